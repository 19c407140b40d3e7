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
import json
import math
import os
import re
import sys
import textwrap
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import numpy as np

from . import limits
from ._io import input_boundary
from ._util import check_bool, did_you_mean, one_of, replaced, short_repr
from .agents import STRATEGIES, Beliefs, check_strategy, make_strategy, targets_of
from .claims import load_claims
from .deals import (
    CONCESSIONS,
    MAX_DISCOUNT_DAYS,
    Concession,
    Demand,
    Negotiation,
    Threat,
    misspelt_concession,
)
from .engine import calendar_fits
from .errors import (
    LimitError,
    ParameterError,
    ScenarioError,
    TariffsimError,
    UnknownNameError,
)
from .game import EVENT_KINDS, Agent, Event, Game
from .path import COUNTERFACTUAL, Path, html_table
from .payoffs import TERMS, Params, PayoffModel
from .world import Country, Ladder, Layer, State, World

__all__ = [
    "Scenario",
    "dump_toml",
    "list_scenarios",
    "load_scenario",
    "loads_toml",
    "parse_scenario",
]

FORMAT = 1


def _pct(level: float) -> str:
    """A fraction as a percentage (``0.54`` -> ``"54%"``)."""
    return f"{100 * float(level):g}%"


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
    changes: tuple[str, ...] = ()
    """What-if changes made by :meth:`with_params`, in order, with calibration notes."""
    what_if: tuple[str, ...] = ()
    """The parameter paths :meth:`with_params` set, in order: an ensemble with
    ``vary="claims"`` holds them at the values set and draws only the other claims
    (:func:`tariffsim.ensemble`). :meth:`replace` keeps them, ``game=`` included
    (pass ``what_if=()`` with a game that no longer holds the what-if's values)."""

    def __post_init__(self) -> None:
        from .schema import check_name

        check_name(self.name)

    @property
    def world(self) -> World:
        """The scenario's world."""
        return self.game.world

    @property
    def model(self) -> PayoffModel:
        """The true payoff model."""
        return self.game.model

    def simulate(
        self,
        *args: int | None,
        rounds: int | None = None,
        seed: int | np.random.SeedSequence | None = None,
        rng: Any = None,
        check: bool = True,
    ) -> Path:
        """Play the scenario (see :func:`tariffsim.simulate`).

        Parameters
        ----------
        rounds : int, optional
            Rounds to play (default: the scenario's ``calendar.rounds``). As
            in :meth:`Game.simulate <tariffsim.game.Game.simulate>` and
            :func:`tariffsim.simulate`, a positional argument is ``rounds``.
        seed : int or numpy.random.SeedSequence, optional
            Seed of the run (an int >= 0, or a SeedSequence, as
            :func:`tariffsim.simulate` takes); the same seed gives a
            bit-identical path. Default 0 (without ``rng``).
        rng : numpy.random.Generator or int, optional
            Source of randomness instead of ``seed``.
        check : bool, default True
            Warn (:class:`~tariffsim.errors.PlausibilityWarning`) when an
            indicator leaves the range the model is calibrated for
            (:meth:`Path.plausibility <tariffsim.path.Path.plausibility>`).

        Returns
        -------
        Path
            ``rounds + 1`` rows (row 0 is the start); ``meta`` holds the
            scenario's name, title, players and the seed.

        Raises
        ------
        ParameterError
            If ``rounds`` < 1, ``seed`` < 0, or both ``seed`` and ``rng`` are given.

        Warns
        -----
        FutureWarning
            When called with a positional argument: it now means ``rounds``
            (before 0.2 it meant ``seed``); write ``rounds=`` or ``seed=``.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> p.meta["scenario"], len(p)
        ('us-china-145', 31)
        >>> len(ts.load_scenario("us-china-145").simulate(rounds=5, seed=0))
        6
        """
        if args:
            import warnings

            if len(args) > 1 or rounds is not None:
                raise ParameterError(
                    "Scenario.simulate takes one positional argument (`rounds`); "
                    f"got {args!r}. Write simulate(rounds=..., seed=...)."
                )
            warnings.warn(
                f"Scenario.simulate({args[0]!r}): a positional argument is `rounds`, as in "
                "Game.simulate and ts.simulate (before 0.2 it was the seed). Write "
                f"simulate(rounds={args[0]!r}) or simulate(seed={args[0]!r}) to be explicit.",
                FutureWarning,
                stacklevel=2,
            )
            rounds = args[0]
        if rng is not None:  # (both given: ts.simulate refuses them)
            path = self.game.simulate(rounds, rng=rng, **({} if seed is None else {"seed": seed}))
        else:  # (the seed is checked there, as by ts.simulate)
            path = self.game.simulate(rounds, seed=0 if seed is None else seed)
        path = dataclasses.replace(
            path,
            meta={**path.meta, "scenario": self.name, "title": self.title,
                  "players": list(self.players), "changes": list(self.changes)},
        )  # fmt: skip
        if check:
            path.warn_if_implausible(stacklevel=2)
        return path

    def replace(self, **changes: Any) -> Scenario:
        """A variant with fields replaced (e.g. ``game=sc.game.replace(noise=0.05)``).

        A variant whose ``game`` was replaced from Python no longer matches the
        file it came from: its ``data`` is dropped (unless given too), so
        :meth:`to_toml` refuses rather than write a stale file.
        ``params={path: value}`` is :meth:`with_params`; ``shocks=[...]``
        replaces every market ``shock`` event by the events given (``[]``: a
        what-if without the market losses).

        Examples
        --------
        >>> sc = ts.load_scenario("reciprocal-pause")
        >>> calm = sc.replace(shocks=[])
        >>> [e.kind for e in calm.game.events].count("shock")
        0

        Raises
        ------
        ParameterError
            For a field a scenario does not have (the message lists them), or
            ``params`` that is not a mapping of parameter paths.
        """
        if "shocks" in changes:
            shocks = changes.pop("shocks")
            return (
                self._with_shocks(shocks).replace(**changes)
                if changes
                else self._with_shocks(shocks)
            )
        if "params" in changes:
            params = changes.pop("params")
            if not isinstance(params, Mapping):
                raise ParameterError(
                    "`params` of Scenario.replace must be a mapping of parameter paths to "
                    f"values, e.g. {{'face_weight.US': 0.3}}; got {type(params).__name__}. "
                    "Use sc.with_params(...) (truth and beliefs together), or "
                    "sc.replace(game=sc.game.replace(model=...)) for the true model only."
                )
            return (
                self.with_params(params).replace(**changes) if changes else self.with_params(params)
            )
        if "game" in changes and "data" not in changes:
            changes["data"] = {}
        return replaced(self, changes, hint=" (parameters: use with_params).")

    def _with_shocks(self, shocks: Any) -> Scenario:
        """:meth:`replace` with ``shocks``: the scenario's shock events replaced."""
        if isinstance(shocks, str | bytes) or not hasattr(shocks, "__iter__"):
            raise ParameterError(
                f"`shocks` must be a list of shock Events (or [] for none); got {shocks!r}."
            )
        new = list(shocks)
        for k, e in enumerate(new):
            if not isinstance(e, Event) or e.kind != "shock":
                raise ParameterError(f"`shocks[{k}]` must be an Event of kind 'shock'; got {e!r}.")
        kept = tuple(e for e in self.game.events if e.kind != "shock")
        game = self.game.replace(events=(*kept, *new))
        gone = len(self.game.events) - len(kept)
        note = f"market shocks replaced: {gone} removed, {len(new)} added"
        return dataclasses.replace(self, game=game, data={}, changes=(*self.changes, note))

    def with_params(
        self,
        mapping: Mapping[str, float] | None = None,
        /,
        *,
        recalibrate: bool = True,
        **params: float,
    ) -> Scenario:
        """A what-if: the scenario with parameters changed, truth and beliefs consistently.

        Parameters
        ----------
        mapping : mapping of str to float, optional
            Parameter paths (:mod:`tariffsim.parampath`) to values:
            ``"face_weight"`` (every country), ``"face_weight.US"``,
            ``"pass_through.US.CN"``, ``"noise"``, ``"learning_rate.US"``.
            A plain path changes the true model **and** every agent's
            perceived value; ``"truth:…"`` only the true model (agents keep
            their old perception — the model then pays them differently from
            what they expect); ``"belief:…"`` only what agents perceive.
        recalibrate : bool, default True
            Re-solve the calibrated fields (:data:`~tariffsim.payoffs.CALIBRATED_FIELDS`)
            when a change moves the calibration (the US burden at 145%/125%),
            so the calibration targets (60% US recession odds at 145%, the
            drawdown and approval there) still hold; the truth and every
            agent's perceived model get the re-solved values. A calibrated
            field you set yourself, here or in an earlier what-if, is kept on
            the side you set it (a plain path: truth and beliefs; a
            ``belief:`` path leaves the truth to be re-solved). A market beta
            you set moves approval's market share of the fall, which is solved
            against the drawdown that beta gives, so approval still meets its
            target.
        **params : float
            Plain paths as keywords, e.g. ``face_weight=0.3`` (no dots).

        Returns
        -------
        Scenario
            With ``changes`` listing what was set and whether the calibration
            was re-solved (also in the paths' ``meta["changes"]`` and on plots).

        Raises
        ------
        UnknownNameError
            For an unknown parameter path (the message lists near matches).
        ParameterError
            For a value outside the parameter's range, before any work.

        Examples
        --------
        >>> sc = ts.load_scenario("us-china-145")
        >>> alt = sc.with_params(face_weight=0.3)
        >>> alt.changes[0]
        'face_weight = 0.3 (truth and beliefs)'
        >>> alt.changes[1]
        'calibration unchanged: no calibration input moved'
        >>> el = sc.with_params({"elasticity": 3.0})
        >>> el.changes[1].startswith("calibration re-solved")
        True
        """
        from . import parampath

        check_bool(recalibrate, "recalibrate")
        if mapping is not None and not isinstance(mapping, Mapping):
            raise ParameterError(
                f"with_params: give a mapping of parameter paths to values; got "
                f"{short_repr(mapping)}."
            )
        items = {**(mapping or {}), **params}
        if not items:
            raise ParameterError("with_params: give at least one parameter path and value.")
        game = parampath.apply(self.game, items)
        notes = [
            f"{k} = {float(v):g} ("
            + (
                "truth only"
                if k.startswith("truth:")
                else "beliefs only"
                if k.startswith("belief:")
                else "truth and beliefs"
            )
            + ")"
            for k, v in items.items()
        ]
        if recalibrate:
            game, note = _recalibrate(self.game, game, list(items), kept=self.what_if)
            notes.append(note)
        return dataclasses.replace(
            self,
            game=game,
            data={},
            changes=(*self.changes, *notes),
            what_if=(*self.what_if, *(parampath.parse(k, self.game).text for k in items)),
        )

    def equilibrium_start(self) -> State:
        """Where an equilibrium analysis of the scenario starts: its last announcement.

        The state in force when the scenario's last scheduled tariff
        announcement (``set`` event) or export control (``control`` event)
        fires: the scenario's own path (seed 0, without execution noise) to the
        round before, with that round's announcements and controls applied in
        calendar order. An equilibrium path from the pre-escalation initial
        state would mostly show that nothing moves from free trade; this is the
        state the scenario is about, as it stood on that date (tariffs,
        controls and layers; the slow variables start afresh). A dyad whose layers the path
        moved apart, so that its headline falls between two rungs (a cut
        fentanyl layer under a new reciprocal one: 10% + 34%), starts at the
        nearest rung of its headline ladder, as the ladder game's states are
        rungs.

        Returns
        -------
        State

        Examples
        --------
        >>> sc = ts.load_scenario("us-china-145")
        >>> s = sc.equilibrium_start()   # 2 April: the reciprocal 34% on top of the 20%
        >>> us, cn = sc.world.index("US"), sc.world.index("CN")
        >>> float(s.tariff[us, cn]), float(s.tariff[cn, us])
        (0.54, 0.15)
        """
        g = self.game
        w = g.world
        state = g.initial or State.zeros(w.n)
        kinds = ("set", "control")
        last = max((g.round_of(e.when) for e in g.events if e.kind in kinds), default=0)
        if last > 1:  # the scenario's own play up to the round before, without noise
            p = g.replace(noise=0.0).simulate(last - 1, seed=0)
            lay = p.layers is not None and tuple(p.layer_names) == tuple(w.layer_names)
            state = State(
                tariff=p.tariff[-1],
                control=p.control[-1],
                **({"layers": p.layers[-1]} if lay else {}),  # type: ignore[index]
            )
        first = last if last > 1 else 0  # (the path played the rounds before)
        due = [e for e in g.events if e.kind in kinds and first <= g.round_of(e.when) <= last]
        for e in sorted(due, key=lambda e: g.round_of(e.when)):
            if e.kind == "set" and e.layer:
                state = state.with_layer(w, e.importer, e.exporter, e.layer, e.level)
            elif e.kind == "set":
                state = state.with_tariff(w, e.importer, e.exporter, e.level)
            else:
                c = np.array(state.control)
                c[w.index(e.importer), w.index(e.exporter)] = e.level
                state = state.replace(control=c)
        for (a, b), lad in w.ladders.items():  # a headline between rungs: the nearest rung
            level = float(state.tariff[w.index(a), w.index(b)])
            if not lad.contains(level):
                rungs = np.asarray(lad.levels)
                state = state.with_tariff(w, a, b, float(rungs[np.argmin(np.abs(rungs - level))]))
        return state

    def with_events(self, *events: Event) -> Scenario:
        """A what-if with extra events, labelled as counterfactual on tables and plots.

        Each event's label gets the prefix ``"counterfactual: "``
        (:data:`tariffsim.path.COUNTERFACTUAL`); plots draw such events in red,
        numbered "CF…".

        Examples
        --------
        >>> import datetime as dt
        >>> sc = ts.load_scenario("us-china-145")
        >>> alt = sc.with_events(ts.Event(dt.date(2025, 5, 12), "summit", "Geneva talks earlier"))
        >>> [e.label for e in alt.simulate(seed=0).events if e.counterfactual]
        ['counterfactual: Geneva talks earlier']

        Raises
        ------
        ParameterError
            If an argument is not an :class:`~tariffsim.game.Event`.

        Warns
        -----
        EventNeverFiresWarning
            If an event falls after the calendar's last round (``game.rounds``):
            it fires only in a simulation played past it (``simulate(rounds=...)``).
        """
        for k, e in enumerate(events):
            if not isinstance(e, Event):
                raise ParameterError(
                    f"`events[{k}]`: with_events takes tariffsim Events "
                    f"(ts.Event(when, kind, label, ...)); got {short_repr(e)}."
                )
        g = self.game
        late = [e for e in events if g.round_of(e.when) > g.rounds]
        if late:
            import warnings

            from .errors import EventNeverFiresWarning

            said = "; ".join(f"{e.label or e.kind} ({e.when}, round {g.round_of(e.when)})"
                             for e in late)  # fmt: skip
            warnings.warn(
                f"{self.name}: {said} falls after the calendar's last round ({g.rounds}, "
                f"{g.date(g.rounds)}): it fires only if more rounds are played "
                "(simulate(rounds=...)).",
                EventNeverFiresWarning,
                stacklevel=2,
            )
        marked = tuple(
            e
            if e.label.startswith(COUNTERFACTUAL)
            else dataclasses.replace(e, label=COUNTERFACTUAL + (e.label or e.kind))
            for e in events
        )
        game = self.game.replace(events=(*self.game.events, *marked))
        notes = tuple(f"event added: {e.label.removeprefix(COUNTERFACTUAL)}" for e in marked)
        return dataclasses.replace(self, game=game, data={}, changes=(*self.changes, *notes))

    def with_strategy(self, country: str, strategy: Any, /, **kwargs: Any) -> Scenario:
        """A what-if: one agent plays another strategy, all else kept.

        The agent keeps its targets, beliefs, learning, export controls and
        the date it starts choosing (``active_from``): only how it chooses
        changes. The change is listed in :attr:`changes` (and so on tables
        and plots), and the variant has no file data (:meth:`to_toml`
        refuses it), as every what-if built in Python.

        Parameters
        ----------
        country : str
            The agent's country code (one of the scenario's agents,
            :attr:`players`).
        strategy : str or Strategy
            A strategy object (:class:`~tariffsim.agents.Strategy`: a
            built-in such as ``ts.TitForTat()`` or your own), or the name of
            a built-in (:data:`~tariffsim.agents.STRATEGIES`: ``"hold"``,
            ``"tit-for-tat"``, ``"grim-trigger"``, ``"myopic"``, ...) built
            by :func:`~tariffsim.agents.make_strategy` with ``kwargs``.
        **kwargs
            The strategy's arguments, with a name only.

        Returns
        -------
        Scenario

        Raises
        ------
        UnknownNameError
            If ``country`` is not an agent of the scenario, or the name no
            built-in strategy (each message lists the known ones).
        ParameterError
            If ``strategy`` is no strategy, or ``kwargs`` come with an object
            or do not fit the named strategy.

        Examples
        --------
        >>> sc = ts.load_scenario("us-china-145")
        >>> calm = sc.with_strategy("CN", "hold")
        >>> calm.changes[-1]
        'CN strategy: myopic -> hold'
        >>> calm.simulate(seed=0).peak("CN", "US")  # China never answers
        0.0
        """
        codes = [a.code for a in self.game.agents]
        if not isinstance(country, str) or not one_of(country, codes):
            raise UnknownNameError(
                f"`country` must be one of the scenario's agents ({', '.join(codes) or 'none'}); "
                f"got {short_repr(country)}."
            )
        if isinstance(strategy, str):
            strategy = make_strategy(strategy, **kwargs)
        elif kwargs:
            raise ParameterError(
                f"with_strategy: arguments ({', '.join(kwargs)}) go with a strategy's name; "
                f"{short_repr(strategy)} is built already."
            )
        check_strategy(strategy, f"with_strategy: strategy for {country}")
        old = self.game.agents[codes.index(country)]
        schedule = getattr(strategy, "schedule", None)  # (Scripted, for this one agent)
        if isinstance(schedule, Mapping):  # (a game's agents may share one: each reads its own)
            mine = sorted(t for _, t in targets_of(self.world, country, old.targets))
            for r, moves in schedule.items():
                for t in moves:
                    if t not in mine:
                        raise ParameterError(
                            f"with_strategy: schedule[{r}] moves on {t!r}, not a target of "
                            f"{country}; targets: {', '.join(mine)}."
                        )
        for r, t, first in _never_played(self.game, dataclasses.replace(old, strategy=strategy)):
            raise ParameterError(
                f"with_strategy: schedule[{r}] moves on {t!r}, which {country} plays from round "
                f"{first} (active_from): this move would never be played."
            )
        agents = tuple(
            dataclasses.replace(a, strategy=strategy) if a.code == country else a
            for a in self.game.agents
        )
        note = f"{country} strategy: {old.strategy.name} -> {strategy.name}"
        return dataclasses.replace(
            self,
            game=self.game.replace(agents=agents),
            data={},
            changes=(*self.changes, note),
        )

    def with_cap(self, importer: str, exporter: str, level: float) -> Scenario:
        """A what-if: ``importer``'s tariff on ``exporter`` never rises above ``level``.

        "Had the US stopped at 54%." The dyad's ladder is cut at the cap
        (:meth:`~tariffsim.world.World.with_cap`: a tariff layer that
        crosses it is cut to fit, later layers stay at their bottom; a cap
        between two rungs is a new top rung, one within 1e-6 of a rung is
        that rung), so no agent, deal or equilibrium goes above it, and what
        the scenario sets above it is cut to it:

        - an announcement (``set`` event) on the dyad, to the cap, or on a
          layer to that layer's top under the cap (its label says
          "capped at …%");
        - a conditional threat, likewise (it is moot where the tariff in
          force is already there);
        - the demands' floors, in order, so that together they fit under the
          cap; a demand cut to nothing is dropped;
        - the starting tariff (and its layers and peak), to the cap.

        Each cut is listed in :attr:`changes` (and so on tables and plots).
        The market moves of announced threats on the dyad (``threat``
        events, which give no level) are kept as they were, and listed. A
        cap that cuts nothing changes nothing but :attr:`changes`; any other
        has no file data (:meth:`to_toml` refuses it).

        Limits: a layer's announcement is cut to that layer's top in
        escalation order, not to the room the layers in force leave (it can
        cut more than the cap needs, never less); a cap between rungs gives
        the agents a rung the scenario did not have.

        Parameters
        ----------
        importer, exporter : str
            Country codes of a dyad with a tariff ladder
            (:attr:`~tariffsim.world.World.ladders`).
        level : float
            The cap, a fraction (0.54 = 54%), from the dyad's bottom rung to 10
            (1000%).

        Returns
        -------
        Scenario

        Raises
        ------
        UnknownNameError
            If a code is not a country of the scenario's world.
        ParameterError
            If the dyad has no tariff ladder or ``level`` is no number from its
            bottom rung to 10.

        Examples
        --------
        >>> sc = ts.load_scenario("us-china-145")
        >>> capped = sc.with_cap("US", "CN", 0.54)
        >>> capped.changes[-1]
        'US-CN capped at 54%: ladder cut above it'
        >>> capped.simulate(seed=0).peak("US", "CN")
        0.54
        """
        g = self.game
        w = g.world.with_cap(importer, exporter, level)
        d = (importer, exporter)
        old_top, top = g.world.ladders[d].levels[-1], w.ladders[d].levels[-1]
        ceiling = top if top < old_top else float(level)  # (a start may lie off the ladder)
        room = {lay.name: lay.top for lay in w.instruments[d]}
        cut: list[str] = []

        def fit(level: float, layer: str) -> float:
            return min(level, room[layer] if layer else top)

        def capped(label: str) -> str:
            return re.sub(r" \(capped at [^()]*\)$", "", label) + f" (capped at {_pct(top)})"

        events, kept = [], []
        for e in g.events:
            on = (e.importer, e.exporter) == d
            if on and e.kind == "set" and fit(e.level, e.layer) < e.level:
                cut.append(e.label or f"the announcement of {e.when}")
                e = dataclasses.replace(
                    e, level=fit(e.level, e.layer), label=capped(e.label or e.kind)
                )
            elif on and e.kind == "threat":
                kept.append(e.label or f"the threat of {e.when}")
            events.append(e)
        threats = []
        for th in g.threats:
            if (th.by, th.target) == d and fit(th.level, th.layer) < th.level:
                cut.append(f"threat: {th.label or th.when}")
                label = capped(th.label) if th.label else ""
                th = dataclasses.replace(th, level=fit(th.level, th.layer), label=label)
            threats.append(th)
        demands, floor = [], 0.0
        for dm in g.negotiation.demands:
            if (dm.by, dm.of) == d:
                new = max(min(fit(dm.level, dm.layer), round(top - floor, 12)), 0.0)
                if new < dm.level:
                    was = f"{dm.concession} ({_pct(dm.level)}"
                    cut.append(
                        f"demand for {was} -> {_pct(new)})"
                        if new > 0
                        else f"demand for {was}, dropped)"
                    )
                    if new <= 0:
                        continue
                    dm = dataclasses.replace(dm, level=new)
                floor += dm.level
            demands.append(dm)
        initial = g.initial
        if initial is not None:
            i, j = w.index(importer), w.index(exporter)
            t0 = float(initial.tariff[i, j])
            lays = initial.layers.shape[0] == len(w.layer_names)
            over = lays and any(
                initial.layers[w.layer_index(x.name), i, j] > x.top + 1e-12
                for x in w.instruments[d]
            )
            if t0 > ceiling or over:  # (its layers: the canonical split of the cut ladder's)
                initial = initial.with_tariff(w, importer, exporter, min(t0, ceiling))
                cut.append(f"the starting tariff ({_pct(t0)} -> {_pct(min(t0, ceiling))})")
            if initial.peak[i, j] > ceiling:
                peak = np.array(initial.peak)
                peak[i, j] = ceiling
                initial = initial.replace(peak=peak)
                cut.append(f"the starting peak (to {_pct(ceiling)})")
        head = f"{importer}-{exporter} capped at {_pct(ceiling)}"
        if top >= old_top and not cut:
            note = f"{head}: at or above the ladder's top rung ({_pct(old_top)}), no change"
            return dataclasses.replace(self, changes=(*self.changes, note))  # the same game
        parts = ["ladder cut above it"] if top < old_top else []
        if d not in self._dyads():  # (an announcement may still set it, and a deal cut it)
            parts[-1:] = [f"{parts[-1]} (no agent sets this tariff)"] if parts else []
        parts += [f"cut to it: {'; '.join(cut)}"] if cut else []
        parts += [f"kept as announced: {'; '.join(kept)}"] if kept else []
        note = f"{head}: {'; '.join(parts)}"
        game = g.replace(
            world=w,
            model=g.model.replace(world=w),
            events=tuple(events),
            threats=tuple(threats),
            negotiation=dataclasses.replace(g.negotiation, demands=tuple(demands)),
            initial=initial,
        )
        return dataclasses.replace(self, game=game, data={}, changes=(*self.changes, note))

    def to_toml(self) -> str:
        """The scenario as TOML text that :func:`load_scenario` reads back identically.

        The text is written from the validated mapping the scenario was
        parsed from (comments and key order aside), so loading it gives the
        same game and the same simulated paths.

        Raises
        ------
        ParameterError
            If the scenario was not parsed from a mapping or file (for example
            a variant whose ``game`` was replaced in Python).

        Examples
        --------
        >>> import tomllib
        >>> sc = ts.load_scenario("us-china-145")
        >>> again = ts.parse_scenario(tomllib.loads(sc.to_toml()))
        >>> bool(np.array_equal(again.simulate(seed=0).tariff, sc.simulate(seed=0).tariff))
        True
        """
        if not self.data:
            raise ParameterError(
                f"scenario {self.name!r} has no file data to write (its game was built or "
                "replaced in Python); edit the mapping and use parse_scenario instead."
            )
        return dump_toml(self.data)

    def write(self, path: str | FsPath) -> FsPath:
        """Write :meth:`to_toml` to ``path`` (UTF-8, atomically) and return the path."""
        from ._io import atomic_write

        return atomic_write(path, self.to_toml())

    # -- views ----------------------------------------------------------------------
    @property
    def players(self) -> tuple[str, ...]:
        """Codes of the countries that move (the agents), in agent order.

        Examples
        --------
        >>> ts.load_scenario("us-china-145").players
        ('US', 'CN')
        """
        return tuple(dict.fromkeys(a.code for a in self.game.agents))

    def _dyads(self) -> tuple[tuple[str, str], ...]:
        """Tariff dyads of the agents (their targets, or every ladder they own)."""
        w = self.world
        out: list[tuple[str, str]] = []
        for a in self.game.agents:
            for d in targets_of(w, a.code, a.targets):
                if d not in out:
                    out.append(d)
        return tuple(out)

    def _value(self, name: str, value: Any) -> str:
        """A parameter's value restricted to the players (per country) or their dyads."""
        arr = np.asarray(value, dtype=float)
        w = self.world
        if arr.ndim == 0:
            return f"{float(arr):.4g}"
        if arr.ndim == 1:
            keys = [(c, float(arr[w.index(c)])) for c in self.players]
        else:
            keys = [(f"{a}-{b}", float(arr[w.index(a), w.index(b)])) for a, b in self._dyads()]
        if not keys:
            return ""
        if len({v for _, v in keys}) == 1:
            return f"{keys[0][1]:.4g}"
        return ", ".join(f"{k} {v:.4g}" for k, v in keys)

    def parameters(self) -> list[dict[str, Any]]:
        """Every payoff parameter: its value for the players, who set it, its claims.

        Returns
        -------
        list of dict
            One dict per :class:`~tariffsim.payoffs.Params` field, with keys
            ``parameter``, ``value`` (per-country values are shown for the
            players, per-dyad values for the agents' dyads; one number when
            they are all equal), ``set_by`` (``"scenario"`` when the scenario
            overrides the calibrated default, else ``"default"``) and
            ``claims`` (the ids in :data:`~tariffsim.payoffs.PARAM_SOURCES`).

        Examples
        --------
        >>> rows = ts.load_scenario("us-china-145").parameters()
        >>> row = next(r for r in rows if r["parameter"] == "resolve_weight")
        >>> row["value"], row["set_by"]
        ('US 0.5, CN 1.5', 'scenario')
        >>> "us_recession_odds_60" in next(
        ...     r for r in rows if r["parameter"] == "recession_slope")["claims"]
        True
        """
        from .payoffs import PARAM_SOURCES

        params = self.model.params
        default = Params.default(self.world)
        rows = []
        for f in dataclasses.fields(Params):
            if f.name == "calibration":
                continue
            cur, base = getattr(params, f.name), getattr(default, f.name)
            same = np.array_equal(np.asarray(cur), np.asarray(base))
            rows.append(
                {
                    "parameter": f.name,
                    "value": self._value(f.name, cur),
                    "set_by": "default" if same else "scenario",
                    "claims": tuple(PARAM_SOURCES.get(f.name, ())),
                }
            )
        return rows

    def beliefs(self) -> list[dict[str, Any]]:
        """Where each agent's perceived parameters differ from the truth.

        Returns
        -------
        list of dict
            Keys ``country``, ``parameter`` (``field``, ``field.XX`` or
            ``field.XX-YY`` as in a scenario file), ``believed``, ``true`` and
            ``learning_rate``.

        Examples
        --------
        >>> ts.load_scenario("us-china-145").beliefs()
        [{'country': 'US', 'parameter': 'pass_through.US-CN', 'believed': 0.1, 'true': 1.0,
          'learning_rate': 0.1}]
        """
        truth = self.model.params
        codes = self.world.codes
        out: list[dict[str, Any]] = []
        for a in self.game.agents:
            if a.beliefs is None:
                continue
            for f in dataclasses.fields(Params):
                if f.name == "calibration":
                    continue
                b = np.asarray(getattr(a.beliefs.perceived, f.name), dtype=float)
                t = np.asarray(getattr(truth, f.name), dtype=float)
                for idx in (
                    zip(*np.nonzero(b != t), strict=True) if b.ndim else ([()] if b != t else [])
                ):
                    key = f.name + ("." + "-".join(codes[k] for k in idx) if idx else "")
                    out.append(
                        {
                            "country": a.code,
                            "parameter": key,
                            "believed": float(b[idx]),
                            "true": float(t[idx]),
                            "learning_rate": float(a.beliefs.learning_rate),
                        }
                    )
        return out

    def _agent_rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for a in self.game.agents:
            parts = [", ".join(b for _, b in targets_of(self.world, a.code, a.targets))]
            if a.controls:
                parts.append(f"controls on {', '.join(a.controls)}")
            targets = "; ".join(p for p in parts if p)
            if isinstance(a.active_from, Mapping):
                active = ", ".join(f"{t} {w}" for t, w in a.active_from.items())
            else:
                active = "round 1" if a.active_from is None else str(a.active_from)
            lr = a.beliefs.learning_rate if a.beliefs is not None else 0.0
            rows.append((a.code, a.strategy.name, targets, active, f"{lr:g}"))
        return rows

    def _event_rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per event, in the order they fire: by round, then date (a file may list
        them in any order)."""
        g = self.game

        def fires(e: Event) -> tuple[int, int]:
            return g.round_of(e.when), e.when.toordinal() if isinstance(e.when, dt.date) else 0

        rows = []
        for e in sorted(g.events, key=fires):
            when = str(e.when) if isinstance(e.when, dt.date) else f"round {e.when}"
            where = f"{e.importer}-{e.exporter}" if e.importer else e.country
            if e.kind in ("set", "control"):
                where += f" {100 * e.level:g}%"
            elif e.kind in ("shock", "support", "threat") and e.value:
                where += f" {e.value:+g}"
            label = e.label
            if e.kind == "summit" and e.parties:  # who bargains, over what
                where = "-".join(e.parties)
                if e.agenda is not None:
                    table = ", ".join(e.agenda) or "tariffs only"
                    label = f"{label} (agenda: {table})".strip()
            rows.append((when, str(e.kind), where.strip(), label, ", ".join(e.claims)))
        return rows

    def _bargaining_rows(self) -> list[tuple[str, str, str, str, str]]:
        """Demands, the scenario's own concessions (cost and value in % of GDP a year) and
        conditional threats: (kind, dyad, level, condition, claims)."""
        g = self.game
        rows = []
        for d in g.negotiation.demands:
            layer = f" ({d.layer} layer)" if d.layer else ""
            rows.append(
                ("demand", f"{d.by}-{d.of}", f"{100 * d.level:g}%{layer}",
                 f"kept until {d.concession}", ", ".join(d.claims))
            )  # fmt: skip
        for c in g.negotiation.concessions:
            replaces = _replaced(c)
            rows.append(
                ("concession", f"{c.giver}-{c.receiver}", f"cost {c.cost:g}, value {c.value:g}",
                 f"{c.name}{replaces}", ", ".join(c.claims))
            )  # fmt: skip
        for th in g.threats:
            when = str(th.when) if isinstance(th.when, dt.date) else f"round {th.when}"
            cond = f"on {when}" + (f" unless {th.unless}" if th.unless else "")
            layer = f" ({th.layer} layer)" if th.layer else ""
            rows.append(
                ("threat", f"{th.by}-{th.target}", f"{100 * th.level:g}%{layer}", cond,
                 ", ".join(th.claims))
            )  # fmt: skip
        return rows

    def describe(self, width: int = 100) -> str:
        """A plain-text description: calendar, countries, agents, beliefs, parameters, events.

        Every line fits in ``width`` characters (longer ones are cut with "…").
        This is what ``tariffsim show`` prints.

        Examples
        --------
        >>> text = ts.load_scenario("us-china-145").describe()
        >>> print(text.splitlines()[0])
        us-china-145: US–China 2025: up to 145% and back down
        >>> "recession_slope" in text and max(map(len, text.splitlines())) <= 100
        True
        """
        g = self.game
        out = [f"{self.name}: {self.title}"]
        if self.description:
            out += textwrap.wrap(" ".join(self.description.split()), width)
        out.append("")
        out.append(
            f"calendar: {g.start}, {g.rounds} rounds of {g.round_days} days; noise {g.noise:g}"
        )
        out.append(
            "countries: "
            + ", ".join(
                f"{c.code} ({c.gdp:g} tn)" for c in g.world.countries if c.code in self.players
            )
            + f"; {g.world.n - len(self.players)} more in the world"
        )
        out.append("\nagents (country, strategy, targets, active from, learning rate):")
        arows = self._agent_rows()
        wid = [max((len(r[k]) for r in arows), default=0) for k in range(5)]
        out += ["  " + "  ".join(x.ljust(wid[k]) for k, x in enumerate(r)).rstrip() for r in arows]
        bel = self.beliefs()
        if bel:
            out.append("\nbeliefs that differ from the truth:")
            out += [
                f"  {b['country']}: {b['parameter']} = {b['believed']:g} (true {b['true']:g})"
                for b in bel
            ]
        out.append("\nparameters (value for the players; * set by the scenario; claims):")
        for p in self.parameters():
            mark = "*" if p["set_by"] == "scenario" else " "
            head = f"  {p['parameter']:<18}{mark} {p['value']:<18} "
            if len(head) > 41:  # a long value: the claims go below it
                out.append(head.rstrip())
                head = " " * 41
            out += textwrap.wrap(
                ", ".join(p["claims"]),
                width,
                initial_indent=head,
                subsequent_indent=" " * 41,
                break_on_hyphens=False,
            ) or [head.rstrip()]
        out.append("\nevents:")
        out += [f"  {w:<12} {k:<8} {x:<12} {lab}" for w, k, x, lab, _ in self._event_rows()]
        brows = self._bargaining_rows()
        if brows:
            neg = g.negotiation
            talks = "on" if neg.enabled else "off"
            out.append(
                f"\nbargaining ({talks}; {neg.method}, discount {neg.discount:g} per "
                f"{_days(neg.discount_days)}, horizon {neg.horizon}): demands, concessions and "
                "conditional threats"
            )
            wk = max(7, *(len(r[0]) for r in brows))
            wl = max(22, *(len(r[2]) for r in brows))
            out += [f"  {k:<{wk}} {d:<6} {lv:<{wl}} {c}" for k, d, lv, c, _ in brows]
        if self.changes:
            out.append("\nwhat-if changes:")
            out += [f"  - {c}" for c in self.changes]
        if self.outcomes:
            out.append("\nmust show:")
            out += [f"  - {o}" for o in self.outcomes]
        return "\n".join(
            line if len(line) <= width else line[: width - 1] + "…"
            for line in "\n".join(out).splitlines()
        )

    def __repr__(self) -> str:
        g = self.game
        return (
            f"<Scenario {self.name}: {', '.join(self.players) or 'no agents'}; "
            f"{len(g.agents)} agents, {len(g.events)} events, {g.rounds} rounds from {g.start}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: countries, agents, beliefs, parameters with claim ids, events."""
        import html

        g = self.game
        parts = [
            f"<div><b>{html.escape(self.title)}</b> <code>{html.escape(self.name)}</code><br/>",
            f"<small>{html.escape(' '.join(self.description.split()))}</small><br/>",
            f"calendar: {g.start}, {g.rounds} rounds of {g.round_days} days; noise {g.noise:g}",
            html_table(
                ["country", "name", "GDP (USD tn)", "moves"],
                [
                    (c.code, c.name, c.gdp, "yes" if c.code in self.players else "no")
                    for c in g.world.countries
                ],
                caption="countries",
            ),
            html_table(
                ["country", "strategy", "targets", "active from", "learning rate"],
                self._agent_rows(),
                caption="agents",
            ),
        ]
        bel = self.beliefs()
        if bel:
            parts.append(
                html_table(
                    ["country", "parameter", "believed", "true"],
                    [(b["country"], b["parameter"], b["believed"], b["true"]) for b in bel],
                    caption="beliefs that differ from the truth",
                )
            )
        parts.append(
            html_table(
                ["parameter", "value", "set by", "claims"],
                [
                    (p["parameter"], p["value"], p["set_by"], ", ".join(p["claims"]))
                    for p in self.parameters()
                ],
                caption="parameters (values for the players)",
            )
        )
        parts.append(
            html_table(
                ["when", "kind", "what", "label", "claims"], self._event_rows(), caption="events"
            )
        )
        brows = self._bargaining_rows()
        if brows:
            parts.append(
                html_table(
                    ["kind", "dyad", "level", "condition", "claims"],
                    brows,
                    caption="demands, concessions and conditional threats",
                )
            )
        return "".join(parts) + "</div>"


_CALIBRATION_INPUT_NAMES = (
    "US burden at 145%/125% (% of GDP)", "US tariff pain there", "US burden added in April 2025",
    "China's burden added in April 2025", "US baseline recession odds", "US baseline approval",
)  # fmt: skip
"""The columns of :func:`tariffsim.payoffs.calibration_inputs`, as ``changes`` names them."""


def _recalibrate(
    before: Game, after: Game, items: Sequence[str], *, kept: Sequence[str] = ()
) -> tuple[Game, str]:
    """Re-solve the calibrated fields of ``after`` if its truth moved the calibration.

    ``items``: the paths this what-if set; ``kept``: those earlier what-ifs set. A
    calibrated field among either is kept as set on the side its path sets (a plain path:
    truth and beliefs; :func:`~tariffsim.payoffs.calibrated_sides`).
    """
    from . import parampath
    from .payoffs import (
        CALIBRATED_FIELDS,
        PayoffModel,
        calibrated_sides,
        calibration_inputs,
        calibration_moved,
    )

    old = before.model.params
    new = after.model.params
    world = after.world
    if "US" not in world.codes or "CN" not in world.codes:
        return after, "calibration unchanged: the world has no US–China calibration state"
    # what the calibration is solved from, before and after this what-if (not the record of
    # the last solve: a what-if with recalibrate=False left that behind)
    x0 = calibration_inputs(PayoffModel(world, old))[0]
    x1 = calibration_inputs(PayoffModel(world, new))[0]
    keep_truth, keep_beliefs = calibrated_sides((*kept, *items))
    us = world.index("US")
    beta_moved = "market_beta" in keep_truth and float(np.asarray(old.market_beta)[us]) != float(
        np.asarray(new.market_beta)[us]
    )  # (approval's market share is solved on it)
    if not (calibration_moved(x0, x1) or beta_moved):
        return after, "calibration unchanged: no calibration input moved"
    keep = keep_truth & keep_beliefs  # (kept on both sides)

    def solve(beta_of: Any, kept_beta: bool) -> Any:
        """Every field solved from the inputs alone, but approval's market share against
        the drawdown of the market beta in force: ``beta_of``'s where it is kept."""
        if not kept_beta:
            return new.recalibrated(world)
        return new.replace(market_beta=beta_of.market_beta).recalibrated(
            world, keep={"market_beta"}
        )

    every = solve(new, "market_beta" in keep_truth)  # the truth's
    free = every if "market_beta" not in keep_truth else solve(new, False)  # beta re-solved
    solved = every.replace(**{f: getattr(new, f) for f in keep_truth})
    for f in set(CALIBRATED_FIELDS) - keep:  # as a scenario file or an ensemble would take it
        v = np.asarray(getattr(every, f), dtype=float)
        if not np.all(np.abs(v) <= parampath.MAGNITUDE):
            raise ParameterError(
                f"calibration: these values leave it almost no footing: re-solved {f} = "
                f"{float(v.flat[np.argmax(np.abs(v))])!r} is beyond ±{parampath.MAGNITUDE:g} "
                f"(US burden at 145%/125% {float(x1[0]):.4g}% of GDP, burden added in April: "
                f"US {float(x1[2]):.4g}, China {float(x1[3]):.4g}). Pass recalibrate=False (on the "
                "command line, --no-recalibrate) to keep the calibrated fields as they are."
            )
    inputs = [
        f"{name} {a:.4g} → {b:.4g}"
        for name, a, b, m in zip(
            _CALIBRATION_INPUT_NAMES,
            x0,
            x1,
            calibration_moved(x0[:, None], x1[:, None]),
            strict=True,
        )
        if m
    ]
    if beta_moved:
        inputs.append(
            f"US market beta, kept as set, {float(np.asarray(old.market_beta)[us]):.4g} → "
            f"{float(np.asarray(new.market_beta)[us]):.4g}"
        )
    # truth-only payoff parameters: beliefs stay (noise and learning rates are no belief)
    to_agents = any(
        (pp := parampath.parse(k, after)).kind == "params" and pp.scope != "truth" for k in items
    )
    agents = []
    before_after = []  # (the first believer's, for the text)
    for ag in after.agents:
        if ag.beliefs is None or not to_agents:
            agents.append(ag)
            continue
        mine = ag.beliefs.perceived
        src = solve(mine, True) if "market_beta" in keep_beliefs else free  # (its own beta)
        fields = {f: getattr(src, f) for f in CALIBRATED_FIELDS if f not in keep_beliefs}
        theirs = mine.replace(**fields)
        before_after.append((mine, theirs))
        beliefs = dataclasses.replace(ag.beliefs, perceived=theirs)
        agents.append(dataclasses.replace(ag, beliefs=beliefs))
    game = after.replace(model=after.model._with_params(solved), agents=tuple(agents))

    def listed(a: Any, b: Any) -> list[str]:  # the fields that moved, before → after
        return [
            f"{f} {float(np.mean(getattr(a, f))):.4g} → {float(np.mean(getattr(b, f))):.4g}"
            for f in CALIBRATED_FIELDS
            if np.asarray(getattr(a, f)).tobytes() != np.asarray(getattr(b, f)).tobytes()
        ]

    in_truth = listed(new, solved)
    in_beliefs = listed(*before_after[0]) if before_after else []
    if not before_after or in_beliefs == in_truth:
        what = ", ".join(in_truth) or "no field moved"
    else:
        what = (
            f"in the truth {', '.join(in_truth) or 'no field moved'}; in the agents' beliefs "
            f"{', '.join(in_beliefs) or 'no field moved'}"
        )
    return game, (
        f"calibration re-solved ({'; '.join(inputs)}; targets kept): {what}"
        + (f"; kept as set: {', '.join(sorted(keep))}" if keep else "")
        + (
            f"; kept as set in the beliefs: {', '.join(sorted(keep_beliefs - keep))}"
            if keep_beliefs - keep
            else ""
        )
        + (
            f"; kept as set in the truth: {', '.join(sorted(keep_truth - keep))}"
            if keep_truth - keep
            else ""
        )
    )


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios.

    Examples
    --------
    >>> "us-china-145" in ts.list_scenarios()
    True
    """
    d = resources.files("tariffsim") / "scenarios"
    return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))


def resolve(scenario_or_game: Any, field: str = "sc") -> tuple[Any, Game]:
    """The scenario (or game) a scenario name, a :class:`Scenario` or a :class:`Game` stands for.

    Parameters
    ----------
    scenario_or_game : Scenario, Game or str
        A bundled scenario's name or a scenario file's path (loaded with
        :func:`load_scenario`), a Scenario or a Game.
    field : str
        The argument's name, for the error message.

    Returns
    -------
    tuple
        ``(what, game)``: the Scenario (a name is loaded) or the Game given,
        and its game.

    Raises
    ------
    ParameterError
        ``scenario_or_game`` is none of these.
    UnknownNameError
        No bundled scenario of that name (from :func:`load_scenario`).

    Examples
    --------
    >>> sc, game = resolve("us-china-145")
    >>> sc.name, game is sc.game
    ('us-china-145', True)
    """
    if isinstance(scenario_or_game, str | FsPath):
        scenario_or_game = load_scenario(scenario_or_game)
    g = getattr(scenario_or_game, "game", scenario_or_game)
    if not isinstance(g, Game):
        raise ParameterError(
            f"`{field}` must be a Scenario, a Game or a scenario name; "
            f"got {short_repr(scenario_or_game)}."
        )
    return scenario_or_game, g


@input_boundary("scenario")
def _line_of(text: str, message: str) -> str:
    """``"; line N reads: ..."`` for the line a TOML error's ``message`` names ("at line N"),
    so that a key given twice or a bad value is shown, not only where it is; "" otherwise."""
    import re

    m = re.search(r"at line (\d+)", message)
    lines = text.splitlines()
    if m is None or not 1 <= int(m.group(1)) <= len(lines):
        return ""
    return f"; line {m.group(1)} reads: {short_repr(lines[int(m.group(1)) - 1].strip())}"


def load_scenario(name_or_path: str | FsPath) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path.

    The file is read within :mod:`tariffsim.limits` (``max_file_bytes``,
    ``max_depth``) and decoded as strict UTF-8 before it is parsed; then every
    field is checked (:func:`parse_scenario`) before anything runs.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A bundled name (see :func:`list_scenarios`, e.g. ``"us-china-145"``),
        or the path of a scenario file (``format = 1``, documented in
        ``docs/scenario-format.md``); a string ending in ``.toml`` is always
        taken as a path. A bundled name given as a string always means the
        bundled scenario, even where a file of that name is in the current
        folder (give it as ``"./us-china-145"`` or a :class:`pathlib.Path` to
        read the file).

    Returns
    -------
    Scenario
        The validated scenario: its :class:`~tariffsim.game.Game` (world,
        calibrated payoff model, agents, events, calendar), title,
        description, claims and expected outcomes. Parameters not set by the
        file take the calibrated defaults (:meth:`Params.default
        <tariffsim.payoffs.Params.default>`), each citing its claims.

    Raises
    ------
    UnknownNameError
        If the name is neither bundled nor an existing file (lists the bundled ones).
    LimitError
        If the file is larger or nested deeper than the limits allow.
    ScenarioError
        If the file is not UTF-8, is malformed TOML (names the line) or any
        field is invalid (lists all).
    ParameterError
        If ``name_or_path`` is neither a string nor a path.

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> sc.players, sc.game.rounds
    (('US', 'CN'), 30)
    """
    from ._io import exists, is_file, is_folder, read_text_input

    if not isinstance(name_or_path, str | os.PathLike):
        raise ParameterError(
            f"`name_or_path` must be a scenario name or a path; got {name_or_path!r}."
        )
    s = str(name_or_path)
    p = FsPath(s)
    bundled = isinstance(name_or_path, str) and s in list_scenarios()
    if s.endswith(".toml") or (not bundled and is_file(p)):
        if not is_file(p):
            if is_folder(p):
                raise ParameterError(f"scenario file {short_repr(s)} is a folder, not a file.")
            if exists(p):  # a device, a named pipe, a socket: reading it could block
                raise ParameterError(
                    f"scenario file {short_repr(s)} is not a regular file (a device, a pipe or "
                    "a socket); give a .toml file."
                )
            raise UnknownNameError(f"scenario file {short_repr(s)} does not exist.")
        source = str(p)
        text = read_text_input(p, source=source)
    else:
        if s not in list_scenarios():
            raise UnknownNameError(
                f"unknown scenario {short_repr(s)}; bundled: {', '.join(list_scenarios())} "
                "(or give a .toml path)."
            )
        text = (resources.files("tariffsim") / "scenarios" / f"{s}.toml").read_text(
            encoding="utf-8"
        )
        source = f"{s}.toml"
    return parse_scenario(loads_toml(text, source=source), source=source)


def loads_toml(text: str, *, source: str = "<text>") -> dict[str, Any]:
    """Parse TOML text within the nesting limit, raising tariffsim errors only.

    Raises
    ------
    LimitError
        If tables or arrays nest deeper than ``limits.max_depth``.
    ScenarioError
        If the text is not valid TOML (the message names the line).
    """
    from .schema import nesting_depth, text_nesting_depth

    cap = limits.current().max_depth
    depth = text_nesting_depth(text)
    if depth > cap:
        raise LimitError(limits.message("max_depth", depth, f"scenario {source!r} nesting"))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(
            [f"malformed TOML: {e}{_line_of(text, str(e))}"], source=source
        ) from None
    except ValueError as e:  # (an integer past Python's 4300 digits: the parser's int())
        raise ScenarioError(
            [f"malformed TOML: a number it cannot read ({short_repr(str(e))}); no field of a "
             "scenario takes a number of thousands of digits"],
            source=source,
        ) from None  # fmt: skip
    except RecursionError:  # within the limit, yet deeper than Python's parser can follow
        raise ScenarioError(
            [f"nesting: {depth} levels deep, more than the TOML parser can follow (Python's "
             f"recursion limit is {sys.getrecursionlimit()}); no limit lets it be read"],
            source=source,
        ) from None  # fmt: skip
    depth = nesting_depth(data)
    if depth > cap:
        raise LimitError(limits.message("max_depth", depth, f"scenario {source!r} nesting"))
    return data


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.refused: set[str] = set()
        """Codes of countries whose ``world.countries`` entry was refused (and said why)."""
        self.refused_ladders: set[str] = set()
        """Dyads (``"US-JP"``) whose ``world.ladders`` entry was refused (and said why)."""

    def add(self, path: str, msg: str) -> None:
        m = _UNKNOWN_COUNTRY.match(msg)
        if m and m.group(1) in self.refused:
            return  # (the country's own entry says why it is not there)
        if msg.startswith(_NO_LADDER):
            named = set(_DYAD_NAME.findall(msg[len(_NO_LADDER) :]))
            if named and named <= self.refused_ladders:
                return  # (the ladder's own entry says why it is not there)
        self.items.append(f"{path}: {msg}")


_UNKNOWN_COUNTRY = re.compile(r"unknown country '([^']*)'")
_NO_LADDER = "no tariff ladder for "
_DYAD_NAME = re.compile(r"[A-Z][A-Z0-9_]*-[A-Z][A-Z0-9_]*")


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _dyad(s: Any, path: str, codes: tuple[str, ...], pr: _Problems) -> tuple[str, str] | None:
    from .schema import dyad_problem

    why = dyad_problem(s)  # (a self-pair included)
    if why is not None:
        pr.add(path, why)
        return None
    a, b = s.split("-")
    ok = True
    for c in (a, b):
        if c not in codes:
            case = f" (codes are upper case: {c.upper()!r})" if c.upper() in codes else ""
            pr.add(path, f"unknown country {c!r}{case}; known: {', '.join(codes)}")
            ok = False
    return (a, b) if ok else None


def _dyad_matrix(
    out: np.ndarray,
    table: Mapping[str, Any],
    where: str,
    codes: tuple[str, ...],
    pr: _Problems,
    rule: str,
) -> np.ndarray:
    """Set ``out[importer, exporter]`` from ``{"A-B": value}``; values must be finite and >= 0."""
    for key, v in table.items():
        d = _dyad(key, f"{where}.{key}", codes, pr)
        if d is None:
            continue
        if not _num(v) or v < 0:
            pr.add(f"{where}.{key}", f"{rule}; got {v!r}")
        else:
            out[codes.index(d[0]), codes.index(d[1])] = v
    return out


@input_boundary("scenario")
def parse_scenario(data: Mapping[str, Any], *, source: str = "<mapping>") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping, validating everything.

    Raises
    ------
    ScenarioError
        Listing every problem found, each with its field path.
    """
    from .schema import SCENARIO, prune

    pr = _Problems()
    original = data
    if not isinstance(data, Mapping):
        pr.add("<scenario>", f"must be a table (a parsed TOML document); got {data!r}")
        raise ScenarioError(pr.items, source=source)
    cleaned = prune(data, SCENARIO, "", pr.items)
    data = cleaned if isinstance(cleaned, dict) else {}
    name = data.get("name", "")
    if not original:
        pr.add(
            "<scenario>",
            "the scenario is empty: it needs at least a `name` (docs/scenario-format.md "
            "lists every table)",
        )
        raise ScenarioError(pr.items, source=source)
    if "name" not in original:  # (an empty or blank one: the schema says so)
        pr.add("name", "missing: a non-empty string naming the scenario")
    cl = load_claims()
    for k, cid in enumerate(data.get("claims", [])):
        if cid not in cl:
            pr.add(f"claims[{k}]", f"unknown claim id {cid!r}")

    # types and ranges were checked by the schema: what is left is valid or absent
    cal = data.get("calendar", {})
    start = cal.get("start", dt.date(2025, 1, 1))
    round_days = cal.get("round_days", 7)
    rounds = cal.get("rounds", 30)
    decision_days = cal.get("decision_days")
    if not calendar_fits(start, round_days, rounds):
        pr.add(
            "calendar.rounds",
            f"{rounds} rounds of {round_days} days from {start} run past {dt.date.max}",
        )
        rounds = 1
    noise = data.get("noise", 0.0)

    # -- world ---------------------------------------------------------------
    wd = data.get("world", {})
    world = World.default()
    added = wd.get("countries", {})
    if isinstance(added, Mapping):  # (checked before any is added: the work grows fast)
        new = len([c for c in added if c not in world.codes])
        limits.check("max_countries", world.n + new, f"scenario {source!r} world.countries")
    for code, spec in added.items():
        where = f"world.countries.{code}"
        if not isinstance(spec, Mapping):
            pr.add(where, f"must be a table with `gdp` (USD tn) and `name`; got {spec!r}")
            continue
        _known_keys(spec, where, {"gdp", "name"}, pr)
        if not _num(spec.get("gdp")) or spec["gdp"] <= 0:
            if not any(x.startswith(f"{where}.gdp:") for x in pr.items):  # (the schema's)
                pr.add(f"{where}.gdp", f"must be a number > 0 (USD tn); got {spec.get('gdp')!r}")
            pr.refused.add(str(code))
            continue
        try:
            world = world.add_country(
                Country(str(code), float(spec["gdp"]), str(spec.get("name", "")), player=False)
            )
        except TariffsimError as e:
            pr.add(where, str(e))
            pr.refused.add(str(code))
    codes = world.codes
    ladders: dict[tuple[str, str], Ladder] = {}
    for key, levels in wd.get("ladders", {}).items():
        d = _dyad(key, f"world.ladders.{key}", codes, pr)
        if d is None:
            continue
        try:
            ladders[d] = Ladder(tuple(levels))
        except (TariffsimError, TypeError) as e:
            pr.add(f"world.ladders.{key}", str(e))
            pr.refused_ladders.add(f"{d[0]}-{d[1]}")
    control_ladders = dict(world.control_ladders)
    for key, levels in _table(wd.get("control_ladders", {}), "world.control_ladders", pr).items():
        d = _dyad(key, f"world.control_ladders.{key}", codes, pr)
        if d is None:
            continue
        try:
            lad = Ladder(tuple(levels))
        except (TariffsimError, TypeError) as e:
            pr.add(f"world.control_ladders.{key}", str(e))
            continue
        if lad.levels[-1] > 1:
            pr.add(
                f"world.control_ladders.{key}",
                f"export-control levels are shares in [0, 1]; got {lad.levels[-1]!r}",
            )
            continue
        control_ladders[d] = lad
    instruments = dict(world.instruments)
    for key, layer_list in _table(wd.get("instruments", {}), "world.instruments", pr).items():
        d = _dyad(key, f"world.instruments.{key}", codes, pr)
        if d is None:
            continue
        if not isinstance(layer_list, list) or not layer_list:
            pr.add(f"world.instruments.{key}", "must be a non-empty list of layer tables")
            continue
        lays = []
        for k, ld in enumerate(layer_list):
            lp = f"world.instruments.{key}[{k}]"
            if not isinstance(ld, Mapping):
                pr.add(lp, f"must be a table; got {ld!r}")
                continue
            _known_keys(ld, lp, _LAYER_KEYS, pr)
            for cid in ld.get("claims", ()):
                if cid not in cl:
                    pr.add(f"{lp}.claims", f"unknown claim id {cid!r}")
            try:
                lays.append(
                    Layer(
                        str(ld.get("name", "")),
                        Ladder(tuple(ld.get("levels", ()))),
                        pretext=str(ld.get("pretext", "")),
                        coverage=ld.get("coverage", 1.0),
                        exempt=bool(ld.get("exempt", True)),
                        claims=tuple(ld.get("claims", ())),
                        down_only=tuple(ld.get("down_only", ())),
                    )
                )
            except (TariffsimError, TypeError) as e:
                pr.add(lp, str(e))
        if len(lays) == len(layer_list):
            instruments[d] = tuple(lays)
            ladders.pop(d, None)  # the layers give the dyad's ladder
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
    imports = _dyad_matrix(
        np.array(world.imports), wd.get("imports", {}), "world.imports", codes, pr,
        "trade must be >= 0 (USD bn)",
    )  # fmt: skip
    ties = np.array(world.ties)
    for key, v in wd.get("ties", {}).items():
        d = _dyad(key, f"world.ties.{key}", codes, pr)
        if d is None:
            continue
        if not _num(v) or not 0 <= v <= 1 or d[0] == d[1]:
            pr.add(f"world.ties.{key}", f"must be a tie in [0, 1] between two countries; got {v!r}")
            continue
        i, j = codes.index(d[0]), codes.index(d[1])
        ties[i, j] = ties[j, i] = v
    try:
        lad_only: dict[tuple[str, str], Ladder] = {}
        for d, lad in ladders.items():  # a headline ladder given for a dyad
            old = instruments.get(d)
            if old is not None and world.ladders.get(d) == lad:
                continue
            if old is not None and len(old) == 1:
                instruments[d] = (dataclasses.replace(old[0], levels=lad),)
            else:
                instruments.pop(d, None)
                lad_only[d] = lad
        world = World(
            countries=tuple(countries),
            imports=imports,
            ties=ties,
            exempt=world.exempt,
            ladders=lad_only,
            control_ladders=control_ladders,
            sources=world.sources,
            instruments=instruments,
        )
    except TariffsimError as e:
        pr.add("world", str(e))

    ladders = dict(world.ladders)

    # -- parameters ------------------------------------------------------------
    params = Params.default(world)
    params = _override(params, world, data.get("params", {}), "params", pr)
    weights = np.ones((len(TERMS), world.n))
    for key, v in data.get("weights", {}).items():
        term, _, code = key.partition(".")
        if term not in TERMS:
            pr.add(f"weights.{key}", f"unknown term {term!r}; known: {', '.join(TERMS)}")
        elif code and code not in codes:
            pr.add(f"weights.{key}", f"unknown country {code!r}; known: {', '.join(codes)}")
        elif not _num(v):
            pr.add(f"weights.{key}", f"must be a finite number; got {v!r}")
        else:
            row = TERMS.index(term)
            if code:
                weights[row, codes.index(code)] = v
            else:
                weights[row, :] = v
    try:
        model = PayoffModel(world, params, weights)
    except TariffsimError as e:
        pr.add("weights", str(e))
        model = PayoffModel(world, params)

    # -- initial state -------------------------------------------------------------
    t0 = _dyad_matrix(
        np.zeros((world.n, world.n)), data.get("initial", {}).get("tariffs", {}),
        "initial.tariffs", codes, pr, "must be a finite tariff >= 0",
    )  # fmt: skip

    # -- agents ------------------------------------------------------------------
    agents = []
    seen_agents: set[str] = set()
    for k, ad in enumerate(data.get("agents", [])):
        if ad is None:  # not a table: reported by the schema
            continue
        path = f"agents[{k}]"
        code = ad.get("country")
        if code is None:
            pr.add(f"{path}.country", f"missing: the agent's country; known: {', '.join(codes)}")
            continue
        if code not in codes:
            pr.add(f"{path}.country", f"unknown country {code!r}; known: {', '.join(codes)}")
            continue
        if code in seen_agents:
            pr.add(f"{path}.country", f"{code!r} already has an agent; a country moves once")
            continue
        seen_agents.add(code)
        sname = ad.get("strategy", "hold")
        if sname not in STRATEGIES:
            pr.add(
                f"{path}.strategy",
                f"unknown strategy {sname!r}; {did_you_mean(sname, STRATEGIES)}known: "
                f"{', '.join(STRATEGIES)}",
            )
            continue
        targets = ad.get("targets")
        if targets is not None:
            bad = [t for t in targets if (code, t) not in ladders]
            if bad:
                dyadic = [t for t in bad if isinstance(t, str) and "-" in t]
                hint = (
                    f" (a target is a country: {dyadic[0].split('-')[-1]!r}, not a dyad "
                    f"{dyadic[0]!r})"
                    if dyadic
                    else "; add the ladders to [world.ladders]"
                )
                pr.add(
                    f"{path}.targets",
                    f"no tariff ladder for {', '.join(f'{code}-{t}' for t in bad)}{hint}",
                )
                continue
        lr = ad.get("learning_rate", 0.0)
        if not _num(lr) or not 0 <= lr <= 1:
            pr.add(f"{path}.learning_rate", f"must be in [0, 1]; got {lr!r}")
            lr = 0.0
        perceived = _override(params, world, ad.get("beliefs", {}), f"{path}.beliefs", pr)
        n_targets = len(_agent_targets(ladders, code, targets))
        if n_targets > limits.current().max_targets:
            pr.add(f"{path}.targets", limits.message("max_targets", n_targets, "targets"))
            continue
        strategy = _strategy_from_file(sname, ad.get("options", {}), f"{path}.options", pr)
        if strategy is None:
            continue
        sched = getattr(strategy, "schedule", None)
        if isinstance(sched, Mapping):
            mine = set(_agent_targets(ladders, code, targets))
            for r, moves in sched.items():
                for t in moves:
                    if t not in mine:
                        pr.add(
                            f"{path}.options.schedule.{r}.{t}",
                            f"not a target of {code}; targets: {', '.join(sorted(mine))}",
                        )
        tgt = tuple(targets) if targets is not None else None
        controls = ad.get("controls", [])
        if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
            pr.add(f"{path}.controls", f"must be a list of country codes; got {controls!r}")
            controls = []
        bad_c = [c for c in controls if (code, c) not in control_ladders]
        if bad_c:
            pr.add(
                f"{path}.controls",
                f"no export-control ladder for {[f'{code}-{c}' for c in bad_c]}; "
                f"control ladders: {[f'{a}-{b}' for a, b in control_ladders]}",
            )
            controls = []
        active = ad.get("active_from")
        if isinstance(active, dict):
            known_t = set(_agent_targets(ladders, code, targets)) | set(controls)
            good = {}
            for t, when in active.items():
                if t not in known_t:
                    pr.add(
                        f"{path}.active_from.{t}",
                        f"not a target of {code}; targets: {', '.join(sorted(known_t))}",
                    )
                elif not _when_ok(when):
                    pr.add(
                        f"{path}.active_from.{t}", f"must be a date or a round >= 0; got {when!r}"
                    )
                else:
                    good[t] = when
            active = good
        elif active is not None and not _when_ok(active):
            pr.add(
                f"{path}.active_from",
                f"must be a date, a round >= 0 or a table of them by target; got {active!r}",
            )
            active = None
        end = start + dt.timedelta(days=round_days * rounds)  # the calendar's last day
        for sub, when in active.items() if isinstance(active, dict) else [("", active)]:
            late = (isinstance(when, dt.date) and when > end) or (
                isinstance(when, int) and not isinstance(when, bool) and when > rounds
            )
            if late:  # (as an event after the calendar: a typo in its year, likely)
                pr.add(
                    f"{path}.active_from" + (f".{sub}" if sub else ""),
                    f"{code} would never move: {when} is after the calendar's last day "
                    f"({end}, round {rounds}); extend calendar.rounds or fix the date",
                )
        if not _agent_targets(ladders, code, targets) and not controls:
            pr.add(
                f"{path}.country",
                f"{code} has no tariff or export-control ladder to move on, so its agent would "
                f'never move; add its ladders to [world.ladders] (e.g. "{code}-US")',
            )
            continue
        agents.append(
            Agent(code, strategy, tgt, Beliefs(perceived, float(lr)), active, tuple(controls))
        )

    # -- the scenario's own concessions: every name below is looked up in the pool --------
    own = _concessions(data, codes, world, cl, pr)
    pool = {**CONCESSIONS, **{c.name: c for c in own}}

    # -- events ----------------------------------------------------------------
    events = []
    last = start + dt.timedelta(days=round_days * rounds)  # the calendar's last day
    for k, ed in enumerate(data.get("events", [])):
        if ed is None:  # not a table: reported by the schema
            continue
        path = f"events[{k}]"
        kind = ed.get("kind")
        if kind is None:
            pr.add(f"{path}.kind", f"missing: the event's kind, one of {', '.join(EVENT_KINDS)}")
            continue
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
        # an event after the calendar's last round would never fire (a typo in its year)
        if isinstance(when, dt.date) and when > last:
            pr.add(
                f"{path}.date",
                f"must fall on or before the calendar's last day ({last}, the end of round "
                f"{rounds}; extend calendar.rounds to play later events); got {when}",
            )
            continue
        if isinstance(when, int) and when > rounds:
            pr.add(f"{path}.round", f"must be in [0, calendar.rounds = {rounds}]; got {when!r}")
            continue
        cf = ed.get("counterfactual", False)
        if not isinstance(cf, bool):
            pr.add(f"{path}.counterfactual", f"must be true or false; got {cf!r}")
            cf = False
        kw: dict[str, Any] = {
            "label": (COUNTERFACTUAL if cf else "") + str(ed.get("label", "")),
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
        if "layer" in ed:
            if kind != "set" or not isinstance(ed["layer"], str):
                pr.add(f"{path}.layer", "only a 'set' event names a layer (a string)")
                continue
            kw["layer"] = ed["layer"]
        if kind == "set" and "importer" in kw and (kw["importer"], kw["exporter"]) in world.ladders:
            lad = world.ladders[(kw["importer"], kw["exporter"])]
            if kw.get("layer"):
                by_name = {x.name: x for x in world.instruments[(kw["importer"], kw["exporter"])]}
                if kw["layer"] not in by_name:
                    pr.add(
                        f"{path}.layer",
                        f"unknown layer {kw['layer']!r} on {kw['importer']}-{kw['exporter']}; "
                        f"layers: {', '.join(by_name)}",
                    )
                    continue
                lad = by_name[kw["layer"]].levels
            if not lad.contains(kw.get("level", 0.0)):
                pr.add(
                    f"{path}.level", f"{kw.get('level', 0.0)!r} is not on the ladder {lad.levels}"
                )
                continue
        if kind in ("shock", "support") and "country" not in kw:
            pr.add(f"{path}.country", f"a {kind!r} event needs a country")
            continue
        if ed.get("parties") is not None:
            ps = ed["parties"]
            if not isinstance(ps, list) or not all(isinstance(x, str) for x in ps):
                pr.add(f"{path}.parties", f"must be a list of country codes; got {ps!r}")
                continue
            unknown = [x for x in ps if x not in codes]
            if unknown:
                pr.add(f"{path}.parties", f"unknown countries {unknown}; known: {', '.join(codes)}")
                continue
            kw["parties"] = tuple(ps)
        if ed.get("agenda") is not None:
            ag = ed["agenda"]

            if not isinstance(ag, list) or not all(isinstance(x, str) for x in ag):
                pr.add(f"{path}.agenda", f"must be a list of concession names; got {ag!r}")
                continue
            unknown = [x for x in ag if x not in pool]
            if unknown:
                pr.add(
                    f"{path}.agenda",
                    f"unknown concessions {unknown}; known: {', '.join(sorted(pool))}",
                )
                continue
            kw["agenda"] = tuple(ag)
        if ed.get("term_days") is not None:
            td = ed["term_days"]
            if isinstance(td, bool) or not isinstance(td, int) or not 0 <= td <= 3660:
                pr.add(f"{path}.term_days", f"must be an int in [0, 3660]; got {td!r}")
                continue
            if kind != "summit" or "parties" not in kw:
                pr.add(f"{path}.term_days", "only a summit with parties has a term")
                continue
            kw["term_days"] = td
        if ed.get("layers") is not None:
            if not isinstance(ed["layers"], bool):
                pr.add(f"{path}.layers", f"must be true or false; got {ed['layers']!r}")
                continue
            if kind != "summit" or "parties" not in kw:
                pr.add(f"{path}.layers", "only a summit with parties bargains over layers")
                continue
            kw["layers"] = ed["layers"]
        try:
            events.append(Event(when, kind, **kw))
        except TariffsimError as e:
            pr.add(path, str(e))

    # -- negotiation -------------------------------------------------------------
    negotiation = _negotiation(data, codes, ladders, cl, pr, world, own)
    threats = _threats(
        data, codes, ladders, cl, pr, (start, round_days, rounds), world.instruments, pool
    )
    moves = data.get("moves", "step")
    if moves not in ("step", "jump"):
        pr.add("moves", f"must be one of 'step', 'jump'; got {moves!r}")
        moves = "step"

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
            negotiation=negotiation,
            moves=str(moves),
            threats=threats,
            decision_days=decision_days,
        )
    except TariffsimError as e:
        raise ScenarioError([str(e)], source=source) from None
    dead = [
        f"agents[{k}].options.schedule.{r}.{t}: {a.code} plays {a.code}-{t} from round {first} "
        "(active_from): this move would never be played"
        for k, a in enumerate(game.agents)
        for r, t, first in _never_played(game, a)
    ]
    if dead:
        raise ScenarioError(dead, source=source)
    _warn_if_percent(data, source)
    _warn_if_units(game.world, source)
    return Scenario(
        name=str(name),
        title=str(data.get("title", name)),
        description=str(data.get("description", "")),
        game=game,
        claims=tuple(data.get("claims", ())),
        outcomes=tuple(data.get("outcomes", ())),
        source=source,
        data=dict(original),
    )


def _tariff_levels(data: Mapping[str, Any]) -> list[tuple[str, float]]:
    """Every tariff level a (validated) scenario mapping writes, with its field path: the
    ladders' and layers' rungs, the starting tariffs, the set events', demands' and
    threats' levels."""
    out: list[tuple[str, float]] = []
    world = data.get("world", {})
    for d, lv in (world.get("ladders") or {}).items():
        out += [(f"world.ladders.{d}", float(x)) for x in lv]
    for d, layers in (world.get("instruments") or {}).items():
        for k, lay in enumerate(layers or ()):
            if isinstance(lay, Mapping):
                levels = lay.get("levels") or ()
                out += [(f"world.instruments.{d}[{k}].levels", float(x)) for x in levels]
    for d, v in ((data.get("initial") or {}).get("tariffs") or {}).items():
        out.append((f"initial.tariffs.{d}", float(v)))
    for key in ("events", "demands", "threats"):
        for k, item in enumerate(data.get(key) or ()):
            tariff = key != "events" or (isinstance(item, Mapping) and item.get("kind") == "set")
            if isinstance(item, Mapping) and _num(item.get("level")) and tariff:
                out.append((f"{key}[{k}].level", float(item["level"])))
    return out


def _warn_if_percent(data: Mapping[str, Any], source: str) -> None:
    """A PlausibilityWarning when a tariff level reads as percent (above
    :data:`~tariffsim.schema.PERCENT_SUSPECT`, 500%: ``[0, 10, 25]`` for 10% and 25%)."""
    from .schema import PERCENT_SUSPECT

    high = [(p, v) for p, v in _tariff_levels(data) if v > PERCENT_SUSPECT]
    if high:
        import warnings

        from .errors import PlausibilityWarning

        shown = ", ".join(f"{p} = {v:g}" for p, v in high[:3]) + (", …" if len(high) > 3 else "")
        warnings.warn(
            f"{source}: tariff levels above {100 * PERCENT_SUSPECT:g}% ({shown}): tariffs are "
            f"fractions (0.46 is 46%, 1.45 is 145%); if these are percent, divide them by 100.",
            PlausibilityWarning,
            stacklevel=3,
        )


_LARGEST_GDP = 50.0
"""GDP (USD tn) above any economy's: the US's is about 29 tn (``gdp_2024``)."""


def _warn_if_units(world: World, source: str) -> None:
    """A PlausibilityWarning when the world's numbers read as written in other units: a
    GDP above any economy's (USD bn for tn: ``gdp = 480``), or a country importing more
    than three times its GDP (trade in USD bn against GDP in tn; an entrepôt such as Hong
    Kong imports about 1.7 times its GDP)."""
    said = []
    for i, c in enumerate(world.countries):
        if c.gdp > _LARGEST_GDP:
            said.append(f"{c.code}'s GDP is {c.gdp:g} tn (GDP is in USD tn: 0.48 for 480 bn)")
        imports = float(world.imports[i].sum())
        if imports > 3000.0 * c.gdp:
            said.append(
                f"{c.code} imports {imports:g} bn, more than three times its GDP of {c.gdp:g} "
                "tn (trade is in USD bn, GDP in tn)"
            )
    if said:
        import warnings

        from .errors import PlausibilityWarning

        warnings.warn(f"{source}: " + "; ".join(said[:3]) + ".", PlausibilityWarning, stacklevel=3)


def _never_played(game: Game, agent: Agent) -> list[tuple[int, str, int]]:
    """The moves of ``agent``'s schedule (a scripted strategy's) that fall before the round
    it starts playing their dyad (``active_from``): ``(round, target, first round)`` each."""
    sched = getattr(agent.strategy, "schedule", None)
    if not isinstance(sched, Mapping):
        return []
    out = []
    for r, moves in sorted(sched.items()):
        for t in moves:
            begins = agent.starts(t)
            first = 0 if begins is None else game.round_of(begins)
            if r < first:
                out.append((r, t, first))
    return out


def _strategy_from_file(name: str, options: Mapping[str, Any], path: str, pr: _Problems) -> Any:
    """Build strategy ``name`` from a file's ``options`` table, or record why not.

    Option names must be constructor fields of the strategy (class-level
    attributes such as ``name`` are not options). The strategy's own checks
    then run; their errors (and a ``TypeError``/``ValueError`` from a
    registered class's constructor) become problems at ``path``.
    """
    cls = STRATEGIES[name]
    if dataclasses.is_dataclass(cls):
        allowed = {f.name for f in dataclasses.fields(cls) if f.init}
        bad = [k for k in options if k not in allowed]
        if bad:
            for k in bad:
                pr.add(
                    f"{path}.{k}",
                    f"not an option of strategy {name!r}; options: "
                    f"{', '.join(sorted(allowed)) or 'none'}",
                )
            return None
    try:
        return make_strategy(name, **options)
    except TariffsimError as e:
        pr.add(path, str(e))
    except (TypeError, ValueError) as e:  # a registered class rejecting its arguments
        pr.add(path, f"strategy {name!r}: {e}")
    return None


def _when_ok(when: Any) -> bool:
    return isinstance(when, dt.date) or (
        isinstance(when, int) and not isinstance(when, bool) and when >= 0
    )


def _agent_targets(
    ladders: Mapping[tuple[str, str], Any], code: str, targets: Any
) -> tuple[str, ...]:
    """Target codes of an agent: those listed, or every dyad it has a ladder on."""
    if targets is not None:
        return tuple(targets)
    return tuple(b for a, b in ladders if a == code)


_AGENT_KEYS = {
    "country",
    "controls",
    "strategy",
    "targets",
    "learning_rate",
    "beliefs",
    "options",
    "active_from",
}
_EVENT_KEYS = {
    "date",
    "round",
    "kind",
    "dyad",
    "country",
    "level",
    "value",
    "label",
    "claims",
    "counterfactual",
    "parties",
    "agenda",
    "layer",
    "term_days",
    "layers",
}


def _days(n: int) -> str:
    """``"week"``, ``"day"`` or ``"n days"``: the period a negotiation's discount is per."""
    return {7: "week", 1: "day"}.get(n, f"{n} days")


_NEGOTIATION_KEYS = {
    "enabled", "discount", "discount_days", "horizon", "method", "concession_scale",
}  # fmt: skip
_DEMAND_KEYS = {"dyad", "level", "concession", "claims", "layer"}
_THREAT_KEYS = {"dyad", "level", "date", "round", "unless", "label", "claims", "layer"}
_LAYER_KEYS = {"name", "levels", "pretext", "coverage", "exempt", "claims", "down_only"}


def _known_keys(table: Any, path: str, known: set[str], pr: _Problems) -> None:
    if not isinstance(table, Mapping):
        pr.add(path, f"must be a table; got {table!r}")
        return
    for key in table:
        if key not in known:
            near = did_you_mean(key, sorted(known))
            pr.add(f"{path}.{key}", f"unknown field; {near}known: {', '.join(sorted(known))}")


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


def _negotiation(
    data: Mapping[str, Any],
    codes: tuple[str, ...],
    ladders: Mapping[tuple[str, str], Any],
    cl: Any,
    pr: _Problems,
    world: World | None = None,
    own: tuple[Concession, ...] = (),
) -> Negotiation:
    """The ``[negotiation]`` table and the ``[[demands]]`` list, checked field by field
    (``own``: the file's ``[[concessions]]``, which demands may name)."""
    pool = {**CONCESSIONS, **{c.name: c for c in own}}

    def layers_of(d: tuple[str, str]) -> tuple[str, ...]:
        lays = world.instruments.get(d, ()) if world is not None else ()
        return tuple(x.name for x in lays)

    nd = data.get("negotiation") or {}
    if not isinstance(nd, Mapping):
        nd = {}
    _known_keys(nd, "negotiation", _NEGOTIATION_KEYS, pr)
    kw: dict[str, Any] = {}
    if "enabled" in nd:
        if not isinstance(nd["enabled"], bool):
            pr.add("negotiation.enabled", f"must be true or false; got {nd['enabled']!r}")
        else:
            kw["enabled"] = nd["enabled"]
    if "discount" in nd:
        v = nd["discount"]
        if not _num(v) or not 0 <= v < 1:
            pr.add("negotiation.discount", f"must be in [0, 1); got {v!r}")
        else:
            kw["discount"] = float(v)
    if "discount_days" in nd:
        v = nd["discount_days"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_DISCOUNT_DAYS:
            bound = f"must be an int in [1, {MAX_DISCOUNT_DAYS}]"
            pr.add("negotiation.discount_days", f"{bound}; got {v!r}")
        else:
            kw["discount_days"] = v
    if "horizon" in nd:
        v = nd["horizon"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 520:
            pr.add("negotiation.horizon", f"must be an int in [1, 520]; got {v!r}")
        else:
            kw["horizon"] = v
    if "concession_scale" in nd:
        v = nd["concession_scale"]
        if not _num(v) or not 0 < v <= 1000:  # (as a term weight: at most 1000)
            pr.add("negotiation.concession_scale", f"must be in (0, 1000]; got {v!r}")
        else:
            kw["concession_scale"] = float(v)
    if "method" in nd:
        if nd["method"] not in ("nash", "rubinstein"):
            pr.add("negotiation.method", f"must be 'nash' or 'rubinstein'; got {nd['method']!r}")
        else:
            kw["method"] = nd["method"]
    demands = []
    for k, dd in enumerate(data.get("demands") or []):
        path = f"demands[{k}]"
        if not isinstance(dd, Mapping):
            continue
        _known_keys(dd, path, _DEMAND_KEYS, pr)
        d = _dyad(dd.get("dyad"), f"{path}.dyad", codes, pr)
        if d is None:
            continue
        if d not in ladders:
            pr.add(f"{path}.dyad", f"no tariff ladder for {d[0]}-{d[1]}")
            continue
        lvl: Any = dd.get("level")
        if not _num(lvl) or lvl < 0:
            pr.add(f"{path}.level", f"must be a number >= 0; got {lvl!r}")
            continue
        con = dd.get("concession")
        if con is None:
            pr.add(f"{path}.concession", "missing: the concession that meets the demand")
            continue
        if not isinstance(con, str) or not con:
            pr.add(f"{path}.concession", f"must name a concession; got {con!r}")
            continue
        typo = misspelt_concession(con, pool)  # a demand never met, a tariff never cut
        if typo is not None:
            pr.add(f"{path}.concession", typo)
            continue
        known = pool.get(con)
        if known is not None and (known.giver, known.receiver) != (d[1], d[0]):
            pr.add(  # (it could never meet this demand: no summit of these two carries it)
                f"{path}.concession",
                f"{con!r} is given by {known.giver} to {known.receiver}; a demand of "
                f"{d[0]} on {d[1]} is met by a concession {d[1]} gives {d[0]}",
            )
            continue
        claims = tuple(dd.get("claims", ()))
        for cid in claims:
            if cid not in cl:
                pr.add(f"{path}.claims", f"unknown claim id {cid!r}")
        layer = dd.get("layer", "")
        if not isinstance(layer, str):
            pr.add(f"{path}.layer", f"must be a layer name; got {layer!r}")
            continue
        if layer and layer not in layers_of(d):
            pr.add(
                f"{path}.layer",
                f"{d[0]}-{d[1]} has no layer {layer!r}; its layers: {', '.join(layers_of(d))}",
            )
            continue
        lays = world.instruments.get(d, ()) if world is not None else ()
        lad = next((x.levels for x in lays if x.name == layer), ladders[d])
        if float(lvl) > max(lad.levels) + 1e-12:  # (a floor no rung reaches never binds)
            what = f"{layer} layer" if layer else "ladder"
            pr.add(
                f"{path}.level",
                f"must be at most the top rung of the {d[0]}-{d[1]} {what} "
                f"({max(lad.levels):g}); got {lvl!r}",
            )
            continue
        demands.append(Demand(d[0], d[1], float(lvl), con, claims, layer=layer))
    return Negotiation(demands=tuple(demands), concessions=own, **kw)


def _replaced(c: Concession) -> str:
    """`` (replaces the bundled one: value 0.71 -> 2)``: what a concession named as a bundled
    one changes, or "" for a concession of its own."""
    base = CONCESSIONS.get(c.name)
    if base is None:
        return ""
    changed = [
        f"{f.name} {getattr(base, f.name)!r} -> {getattr(c, f.name)!r}"
        if f.name in ("cost", "value", "giver", "receiver")
        else f.name
        for f in dataclasses.fields(Concession)
        if getattr(base, f.name) != getattr(c, f.name)
    ]
    return f" (replaces the bundled one: {', '.join(changed) or 'the same'})"


def _concessions(
    data: Mapping[str, Any], codes: tuple[str, ...], world: World, cl: Any, pr: _Problems
) -> tuple[Concession, ...]:
    """The ``[[concessions]]`` list: the scenario's own concessions, checked field by field.

    A new concession needs ``name``, ``giver``, ``receiver``, ``cost`` and ``value``; one
    named as a bundled concession replaces it, every field not given taken from the bundled
    one (``value = 2`` alone recalibrates its value). ``releases`` must be the giver's
    export-control ladders and ``excludes`` must name other concessions of the pool.
    """
    items = [x for x in data.get("concessions") or () if isinstance(x, Mapping)]
    names = {x.get("name") for x in items if isinstance(x.get("name"), str)}
    out: list[Concession] = []
    seen: set[str] = set()
    for k, cd in enumerate(data.get("concessions") or ()):
        path = f"concessions[{k}]"
        if not isinstance(cd, Mapping):
            continue
        name = cd.get("name")
        if name is None:
            pr.add(path, "missing `name`")
            continue
        if not isinstance(name, str) or not _CONCESSION_NAME.match(name):
            pr.add(f"{path}.name", f"must be an identifier (letters, digits, _); got {name!r}")
            continue
        base = CONCESSIONS.get(name)
        if base is None:
            missing = [f for f in ("giver", "receiver", "cost", "value") if f not in cd]
            if missing:
                pr.add(path, f"missing {', '.join(f'`{f}`' for f in missing)}")
                continue
            kw: dict[str, Any] = {}
        else:  # a bundled one replaced: what is not given is the bundled one's
            kw = {f.name: getattr(base, f.name) for f in dataclasses.fields(Concession)}
        if name in seen:
            pr.add(f"{path}.name", f"{name!r} is defined twice")
            continue
        seen.add(name)
        bad = False
        for f in ("giver", "receiver"):
            if f in cd and cd[f] not in codes:
                pr.add(f"{path}.{f}", f"unknown country {cd[f]!r}; known: {', '.join(codes)}")
                bad = True
        giver = cd.get("giver", kw.get("giver"))
        if not bad and giver == cd.get("receiver", kw.get("receiver")):
            pr.add(f"{path}.receiver", f"must differ from the giver; got {giver!r}")
            bad = True
        releases = []
        for d in cd.get("releases", ()):
            pair = tuple(d.split("-"))
            if pair not in world.control_ladders:
                pr.add(
                    f"{path}.releases",
                    f"{d!r} has no export-control ladder; control ladders: "
                    f"{', '.join('-'.join(x) for x in world.control_ladders) or 'none'}",
                )
                bad = True
            elif pair[0] != giver:
                pr.add(
                    f"{path}.releases",
                    f"{d!r} is {pair[0]}'s control; a concession releases its giver's own",
                )
                bad = True
            releases.append(pair)
        for x in cd.get("excludes", ()):
            if x == name:
                pr.add(f"{path}.excludes", f"names the concession itself ({x!r})")
                bad = True
            elif x not in CONCESSIONS and x not in names:
                near = did_you_mean(x, sorted({*CONCESSIONS, *names}))
                pr.add(f"{path}.excludes", f"unknown concession {x!r}; {near}".rstrip("; "))
                bad = True
        for cid in cd.get("claims", ()):
            if cid not in cl:
                pr.add(f"{path}.claims", f"unknown claim id {cid!r}")
                bad = True
        if bad:
            continue
        for f in ("giver", "receiver", "label"):
            if f in cd:
                kw[f] = str(cd[f])
        for f in ("cost", "value"):
            if f in cd:
                kw[f] = float(cd[f])
        for f in ("claims", "excludes"):
            if f in cd:
                kw[f] = tuple(cd[f])
        if "releases" in cd:
            kw["releases"] = tuple(releases)
        kw["name"] = name
        try:
            out.append(Concession(**kw))
        except TariffsimError as e:
            pr.add(path, str(e))
    return tuple(out)


_CONCESSION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""A file's concession name: an identifier, as the bundled ones are."""


def _threats(
    data: Mapping[str, Any],
    codes: tuple[str, ...],
    ladders: Mapping[tuple[str, str], Any],
    cl: Any,
    pr: _Problems,
    calendar: tuple[dt.date, int, int],
    instruments: Mapping[tuple[str, str], Any],
    pool: Mapping[str, Any] = CONCESSIONS,
) -> tuple[Threat, ...]:
    """The ``[[threats]]`` list: conditional threats, checked field by field.

    A threat must fall inside the calendar (``calendar = (start, round_days,
    rounds)``): after its start and no later than its last round, so
    that it is checked at all; its level must be above the ladder's lowest
    rung (a threat to cut to zero is not a threat).
    """
    start, round_days, rounds = calendar
    last = start + dt.timedelta(days=round_days * rounds)
    out = []
    for k, td in enumerate(data.get("threats") or []):
        path = f"threats[{k}]"
        if not isinstance(td, Mapping):
            continue
        _known_keys(td, path, _THREAT_KEYS, pr)
        d = _dyad(td.get("dyad"), f"{path}.dyad", codes, pr)
        if d is None:
            continue
        lvl: Any = td.get("level")
        layer = td.get("layer", "")
        lad = ladders.get(d)
        if layer:
            lays = {x.name: x.levels for x in instruments.get(d, ())}
            if not isinstance(layer, str) or layer not in lays:
                pr.add(
                    f"{path}.layer",
                    f"{d[0]}-{d[1]} has no layer {layer!r}; its layers: {', '.join(lays)}",
                )
                continue
            lad = lays[layer]
        if lad is None:
            pr.add(
                f"{path}.dyad",
                f"no tariff ladder for {d[0]}-{d[1]} to threaten on; add it to [world.ladders]",
            )
            continue
        if not _num(lvl) or not lad.contains(lvl):
            what = f"{layer} layer" if layer else "ladder"
            pr.add(f"{path}.level", f"must be a rung of the {d[0]}-{d[1]} {what}; got {lvl!r}")
            continue
        if float(lvl) <= min(lad.levels):
            pr.add(
                f"{path}.level",
                f"must be above the lowest rung of the {d[0]}-{d[1]} ladder; got {lvl!r}",
            )
            continue
        when = td.get("date", td.get("round"))
        if not isinstance(when, dt.date) and not (
            isinstance(when, int) and not isinstance(when, bool) and when >= 0
        ):
            pr.add(f"{path}.date", f"must be a date or `round` an int >= 0; got {when!r}")
            continue
        if isinstance(when, dt.datetime):
            when = when.date()
        if isinstance(when, dt.date) and not start < when <= last:
            pr.add(
                f"{path}.date",
                f"must fall inside the calendar (after {start}, up to {last}); "
                f"got {when.isoformat()}",
            )
            continue
        if isinstance(when, int) and not 1 <= when <= rounds:
            pr.add(f"{path}.round", f"must be in [1, calendar.rounds = {rounds}]; got {when!r}")
            continue
        unless = td.get("unless", "")
        if unless and unless not in pool:
            pr.add(
                f"{path}.unless",
                f"unknown concession {unless!r}; known: {', '.join(sorted(pool))}",
            )
            continue
        claims = tuple(td.get("claims", ()))
        for cid in claims:
            if cid not in cl:
                pr.add(f"{path}.claims", f"unknown claim id {cid!r}")
        out.append(
            Threat(
                d[0], d[1], float(lvl), when, str(unless), str(td.get("label", "")), claims,
                layer=layer,
            )
        )  # fmt: skip
    return tuple(out)


def _table(v: Any, path: str, pr: _Problems) -> Mapping[str, Any]:
    """``v`` if it is a table, else ``{}`` with a problem recorded."""
    if isinstance(v, Mapping):
        return v
    pr.add(path, f"must be a table; got {v!r}")
    return {}


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _toml_value(v: Any, path: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        x = float(v)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x, f"{path}[]") for x in v) + "]"
    if isinstance(v, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(x, path)}" for k, x in v.items())
        return "{" + inner + "}"
    raise ParameterError(f"{path}: cannot write {type(v).__name__} {v!r} as TOML.")


def dump_toml(data: Mapping[str, Any]) -> str:
    """Write a mapping of TOML values (as :mod:`tomllib` returns them) as TOML text.

    Scalars and lists of scalars become ``key = value`` lines; tables become
    ``[section]`` headers; lists of tables become ``[[section]]`` blocks.
    ``tomllib.loads(dump_toml(d)) == d`` for every such mapping.

    Examples
    --------
    >>> print(ts.scenario.dump_toml({"name": "x", "calendar": {"rounds": 3}}), end="")
    name = "x"
    <BLANKLINE>
    [calendar]
    rounds = 3
    """
    lines: list[str] = []
    _dump_table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, Mapping) for x in v)


def _dump_table(table: Mapping[str, Any], prefix: list[str], lines: list[str]) -> None:
    path = ".".join(prefix) or "<top>"
    for k, v in table.items():
        if not isinstance(v, Mapping) and not _is_table_list(v):
            lines.append(f"{_toml_key(str(k))} = {_toml_value(v, f'{path}.{k}')}")
    for k, v in table.items():
        name = [*prefix, _toml_key(str(k))]
        if isinstance(v, Mapping):
            lines.append("")
            lines.append(f"[{'.'.join(name)}]")
            _dump_table(v, name, lines)
        elif _is_table_list(v):
            for item in v:
                lines.append("")
                lines.append(f"[[{'.'.join(name)}]]")
                _dump_table(item, name, lines)
