"""The ``tariffsim`` command.

Examples
--------
::

    tariffsim run us-china-145 --seed 0 --out out/
    tariffsim claims --term recession --format csv
    tariffsim list --format json
    tariffsim show us-china-145
"""

from __future__ import annotations

import argparse
import contextlib
import decimal
import errno
import json
import math
import os
import re
import signal
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__, limits
from ._io import interrupt_count, interrupt_signal, term_as_interrupt, term_escape
from ._util import seed_text, short_repr
from .errors import TariffsimError

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["main"]

_EPILOG_RUN = """example:
  tariffsim run us-china-145 --seed 0 --out tariffsim-out
  tariffsim run my-scenario.toml --rounds 52 --format csv
  tariffsim run us-china-145 --cap US-CN=0.54         # had the US stopped at 54%
  tariffsim run us-china-145 --strategy CN=hold       # had China not answered
"""


def _int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an int >= ``low`` (``--seed`` >= 0, ``--rounds`` >= 1)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an int >= {low}; got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be an int >= {low}; got {v}")
        return v

    return parse


_nonneg_int = _int_at_least(0)
_pos_int = _int_at_least(1)


def _discount(text: str) -> float:
    """A discount factor in [0, 1) (``--discount``): the text typed in its errors, and the
    float it is read as where only that is out of range (``0.999999999999999999`` is 1.0)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1); got {text!r}") from None
    if not 0 <= v < 1:
        typed = text.strip()
        if math.isfinite(v) and 0 <= decimal.Decimal(typed) < 1:  # (finite: a decimal number)
            typed += f", which is {v!r} as a float"
        raise argparse.ArgumentTypeError(f"must be in [0, 1); got {typed}")
    return v


def _folder(text: str) -> str:
    """A non-empty folder name (``--out``)."""
    if not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError(f"must be a folder name; got {text!r}")
    return text


_FIT_PARAMS = "belief:pass_through.US.CN=0:0.6,learning_rate.US=0.02:0.4,resolve_weight.US=0.2:1"
"""``calibrate``'s default ``--params``: the fit of ``docs/analysis.md``. Ranges wide enough
for the record to tell values apart (over +-50% of the values every profile was flat): from
a US that thinks China pays everything to one that thinks US buyers pay 60%, learning slow to
fast, and resolve from little to twice the scenario's."""


def _add_no_recalibrate(parser: argparse.ArgumentParser, row: str) -> None:
    """``--no-recalibrate`` of ``sensitivity``, ``calibrate`` and ``ensemble`` (``row``: what
    one run is)."""
    parser.add_argument(
        "--no-recalibrate",
        action="store_true",
        help=f"apply parameter paths' values as they are (default: each {row} is the "
        "what-if of its values, calibrated fields re-solved where they move the calibration)",
    )


def _key_value(form: str, text: str) -> tuple[str, str]:
    """``KEY=VALUE`` of a what-if flag (``form`` its help's words), both sides stripped
    and non-empty."""
    key, eq, value = text.partition("=")
    if not (eq and key.strip() and value.strip()):
        raise argparse.ArgumentTypeError(f"give {form}; got {text!r}")
    return key.strip(), value.strip()


def _cap(text: str) -> tuple[str, str, float]:
    """``IMPORTER-EXPORTER=LEVEL`` for ``--cap``."""
    key, value = _key_value("IMPORTER-EXPORTER=LEVEL, e.g. US-CN=0.54", text)
    imp, dash, exp = (x.strip() for x in key.partition("-"))
    if not (dash and imp and exp):
        raise argparse.ArgumentTypeError(f"the dyad is IMPORTER-EXPORTER, e.g. US-CN; got {key!r}")
    try:
        level = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the level of {key} must be a fraction (0.54 is 54%); got {value!r}"
        ) from None
    return imp, exp, level


def _strategy(text: str) -> tuple[str, str]:
    """``COUNTRY=NAME`` for ``--strategy``."""
    return _key_value("COUNTRY=NAME, e.g. CN=hold", text)


def _setting(text: str) -> tuple[str, float]:
    """``PATH=VALUE`` for ``--set``."""
    path, value = _key_value("PATH=VALUE, e.g. face_weight.US=0.3", text)
    try:
        return path, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {path} must be a number; got {value!r}"
        ) from None


def _add_what_ifs(parser: argparse.ArgumentParser, *, strategies: bool = True) -> None:
    """The what-if flags of ``run``, ``ensemble`` and ``equilibrium`` (:func:`_what_if`);
    ``--strategy`` only where strategies play (not in an equilibrium, whose players
    optimise)."""
    g = parser.add_argument_group(
        "what-ifs", "change the scenario before the work; the outputs are named NAME-what-if"
    )
    g.add_argument(
        "--cap",
        type=_cap,
        action="append",
        metavar="IMPORTER-EXPORTER=LEVEL",
        help="the importer's tariff on the exporter never rises above LEVEL (a fraction: 0.54 "
        "is 54%%); what the scenario announces above it is cut to it; repeatable",
    )
    if not strategies:  # said, not just unknown: the other commands take it

        def refuse(text: str) -> Any:
            raise argparse.ArgumentTypeError(
                "the players of an equilibrium play their best responses, not a strategy; "
                "--strategy is a what-if of run and ensemble"
            )

        g.add_argument("--strategy", type=refuse, action="append", help=argparse.SUPPRESS)
    else:
        g.add_argument(
            "--strategy",
            type=_strategy,
            action="append",
            metavar="COUNTRY=NAME",
            help="an agent plays a built-in strategy (hold, tit-for-tat, grim-trigger, myopic, "
            "...), keeping its targets and beliefs; repeatable",
        )
    g.add_argument(
        "--set",
        type=_setting,
        action="append",
        metavar="PATH=VALUE",
        help="set a parameter path, e.g. face_weight.US=0.3 or "
        "belief:pass_through.US.CN=0.9 (see `tariffsim show`); repeatable",
    )


def _what_if(sc: Any, a: argparse.Namespace) -> Any:
    """``sc`` with ``a``'s what-ifs (``--cap``, ``--strategy``, ``--set``), each error
    naming its flag; ``sc`` itself where none is given."""
    if getattr(a, "no_recalibrate", False) and not (
        a.set or getattr(a, "vary", None) or getattr(a, "draw", None)
    ):  # (it keeps the calibration where parameters change: here none does)
        raise _UsageError(
            "--no-recalibrate keeps the calibrated fields when --set"
            + (", --vary or --draw" if hasattr(a, "draw") else "")
            + " changes a parameter; without one it does nothing"
        )
    settings: dict[str, float] = {}
    for path, value in a.set or []:
        if path in settings:
            raise _UsageError(f"--set names the path {short_repr(path)} twice")
        settings[path] = value
    for flag, keys in (("--cap", [f"{x}-{y}" for x, y, _ in a.cap or []]),
                       ("--strategy", [c for c, _ in a.strategy or []])):  # fmt: skip
        twice = next((k for n, k in enumerate(keys) if k in keys[:n]), None)
        if twice is not None:
            raise _UsageError(f"{flag} names {short_repr(twice)} twice; give each once")
    said: list[str] = []  # warnings, printed once every what-if is made (an error first)
    try:
        for imp, exp, level in a.cap or []:
            flag = f"--cap {imp}-{exp}"
            sc = sc.with_cap(imp, exp, level)
            if sc.changes[-1].endswith(("no change", "(no agent sets this tariff)")):
                said.append(f"tariffsim: warning: {flag}={level:g}: {sc.changes[-1]}")
        for code, name in a.strategy or []:
            flag = f"--strategy {code}={name}"
            if name.strip().lower() == "scripted":  # (its schedule has no flag: it would hold)
                raise _UsageError(
                    f"{flag}: a scripted strategy plays a schedule of moves, which the command "
                    "line cannot give; write it in a scenario file (schedule = {ROUND = "
                    "{TARGET = MOVE}}) or use Scenario.with_strategy in Python"
                )
            sc = sc.with_strategy(code, name)
        if settings:
            flag = "--set"
            sc = sc.with_params(settings, recalibrate=not a.no_recalibrate)
    except TariffsimError as exc:
        raise type(exc)(f"{flag}: {exc}") from None
    for line in said:
        print(_fit(line, 10**4), file=sys.stderr)
    return sc


def _stem(sc: Any, a: argparse.Namespace) -> str:
    """Outputs' name: the scenario's, ``-what-if`` added where a what-if is given."""
    return sc.name + ("-what-if" if a.cap or a.strategy or a.set else "")


def _print_changes(sc: Any) -> None:
    """The what-ifs made to the scenario, each wrapped to 100 columns (table output)."""
    for c in sc.changes:
        wrapped = textwrap.wrap(c, 100, initial_indent="what-if: ", subsequent_indent="  ")
        print(_fit("\n".join(wrapped), width=10**6))


def _draw(text: str) -> tuple[str, Any]:
    """``PATH=DIST`` for ``--draw``: a parameter path and a distribution's text
    (:func:`tariffsim.analysis.distributions.parse_distribution`)."""
    from .analysis.distributions import parse_distribution

    path, eq, dist = text.partition("=")
    if not (eq and path.strip()):
        raise argparse.ArgumentTypeError(
            f"give PATH=DIST, e.g. 'noise=Uniform(0, 0.1)'; got {text!r}"
        )
    try:
        return path.strip(), parse_distribution(dist)
    except TariffsimError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def _draw_names(message: str, draws: Mapping[str, Any], claims: bool) -> str:
    """An error (or warning) of :func:`tariffsim.ensemble` about ``vary`` in the words of the
    command:
    ```vary['p']``` of a path drawn with ``--draw`` is ``--draw p``, and ```vary``` is
    ``--draw`` where the message is about the draws (no ``--vary claims``, or a drawn path
    named in it)."""
    if not draws:
        return message
    message = re.sub(
        r"`vary\['([^']*)'\]`",
        lambda m: f"--draw {m.group(1)}" if m.group(1) in draws else m.group(0),
        message,
    )
    if not claims or any(repr(p) in message for p in draws):
        message = message.replace("`vary`", "--draw")
    return message.replace(  # the hint for a key near 'claims', in the command's words
        ", which draws every claim with a range beside the paths: vary={'claims': True, ...}?",
        "? Draw the claims with --vary claims.",
    )


def _indicators(text: str) -> tuple[str, ...]:
    """Comma-separated indicator names for ``--indicators`` (none: the tariffs alone)."""
    from .analysis.reduce import INDICATORS

    parts = [t.strip() for t in text.split(",")]
    if text.strip() and not all(parts):  # "recession," or ",": a name left out by mistake?
        raise argparse.ArgumentTypeError(
            f"an empty name in {short_repr(text)}; give names separated by commas "
            "(or '' for the tariffs alone)"
        )
    names = tuple(t for t in parts if t)
    bad = [t for t in names if t not in INDICATORS]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown indicator {short_repr(bad[0])} in {short_repr(text)}; "
            f"known: {', '.join(INDICATORS)}"
        )
    twice = sorted({t for t in names if names.count(t) > 1})
    if twice:  # (refused here, before any run, with --no-plot too: the chart refuses it)
        raise argparse.ArgumentTypeError(f"{short_repr(text)} names {twice[0]!r} twice")
    return names


def _limit(text: str) -> tuple[str, int]:
    """``NAME=VALUE`` for ``--limit``."""
    from .limits import Limits

    name, sep, val = text.partition("=")
    names = [f for f in Limits.__dataclass_fields__]
    if not sep or name not in names:
        raise argparse.ArgumentTypeError(
            f"expected NAME=INT with NAME one of {', '.join(names)}; got {text!r}"
        )
    try:
        v = int(val)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be an int >= 1; got {val!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{name} must be an int >= 1; got {v}")
    return name, v


_EPILOG_ENSEMBLE = """example:
  tariffsim ensemble us-china-145 --runs 10000 --vary claims --out tariffsim-out
  tariffsim ensemble us-china-145 --runs 100000 --vary claims --workers 2
  tariffsim ensemble us-china-145 --runs 10000 --vary claims --indicators recession,drawdown
  tariffsim ensemble us-china-145 --runs 10000 --vary claims --draw 'noise=Uniform(0, 0.1)'
  tariffsim ensemble us-china-145 --runs 1000000 --vary claims --summary --workers 2
  tariffsim ensemble my.toml --runs 1000000 --vary claims --summary --scheduler tcp://10.0.0.5:8786

writes, all at once, into --out:
  NAME-ensemble.png            fan chart of tariffs, export controls and recession odds
  NAME-ensemble-quantiles.csv  per-round quantiles (5, 25, 50, 75, 95%) of the chart's series
  NAME-ensemble.nc             every run (NetCDF; NAME-ensemble.npz without xarray)
with --summary, instead of every run:
  NAME-ensemble-summary.nc     counts per round and value, bands (.npz without xarray)
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see `{self.prog} --help`)"
        self.exit(2, f"tariffsim: error: {_one_line(message)}{hint}\n")

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        """As argparse's, but arguments a command does not know point at that command's
        help (``tariffsim ensemble --help``), not the program's."""
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            cmd = getattr(ns, "command", None)
            given = list(sys.argv[1:] if args is None else args)
            if cmd in given and given.index(extras[0]) < given.index(cmd):
                cmd = None  # (given before the command: the program's option)
            prog = f"{self.prog} {cmd}" if cmd else self.prog
            hint = f" (see `{prog} --help`)"
            message = f"unrecognized arguments: {' '.join(extras)}"
            self.exit(2, f"tariffsim: error: {_one_line(message)}{hint}\n")
        return ns


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="tariffsim",
        description="Simulate tariff wars as games: run scenarios, list claims, find equilibria.",
        epilog="example:\n  tariffsim run us-china-145 --out tariffsim-out\n  tariffsim claims",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"tariffsim {__version__}")
    lim = _Parser(add_help=False)
    lim.add_argument(
        "--limit",
        type=_limit,
        action="append",
        default=[],
        metavar="NAME=INT",
        help="raise a limit of tariffsim.limits (e.g. max_rounds=20000); repeatable",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser(
        "run",
        help="run a bundled scenario or a scenario file; print the path, write plot/CSV/JSON",
        epilog=_EPILOG_RUN,
        parents=[lim],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument(
        "scenario", help="bundled scenario name (see `tariffsim list`) or path to a .toml file"
    )
    r.add_argument(
        "--rounds", type=_pos_int, default=None, help="number of rounds (default: the scenario's)"
    )
    r.add_argument("--seed", type=_nonneg_int, default=0, help="random seed, >= 0 (default 0)")
    r.add_argument(
        "--out",
        type=_folder,
        default="tariffsim-out",
        help="output folder (default: tariffsim-out)",
    )
    r.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="what to print"
    )
    r.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    _add_what_ifs(r)
    _add_no_recalibrate(r, "run")

    c = sub.add_parser(
        "claims",
        help="list the claims behind every default number",
        epilog="example:\n  tariffsim claims --kind article --term recession",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("--kind", choices=("article", "assumption"), default=None)
    c.add_argument(
        "--term",
        default=None,
        help="only claims feeding this model term (a payoff term such as markets, or a model "
        "object such as ladder)",
    )
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")

    ls = sub.add_parser(
        "list",
        help="list the bundled scenarios",
        epilog="example:\n  tariffsim list\n  tariffsim list --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ls.add_argument("--format", choices=("table", "csv", "json"), default="table")
    s = sub.add_parser(
        "show",
        help="show a scenario: countries, agents, beliefs, parameters with claim ids, events",
        epilog="example:\n  tariffsim show us-china-145\n  tariffsim show my.toml --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[lim],
    )
    s.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    s.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table: readable text; csv: one row per item (section, key, value, detail, claims)",
    )

    e = sub.add_parser(
        "equilibrium",
        help="Markov-perfect equilibrium of a scenario's escalation game; print and plot its path",
        epilog=(
            "example:\n  tariffsim equilibrium us-china-145 --start US-CN=1.45,CN-US=1.4\n"
            "  tariffsim equilibrium us-china-145 --discount 0.9 --selection payoff-dominant\n"
            "  tariffsim equilibrium us-china-145 --moves jump --start US-CN=1.45,CN-US=1.4"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[lim],
    )
    e.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    e.add_argument("--discount", type=_discount, default=0.95, help="discount factor in [0, 1)")
    e.add_argument("--rounds", type=_pos_int, default=20, help="rounds of the path (default 20)")
    e.add_argument(
        "--selection",
        choices=("status-quo", "payoff-dominant", "qre"),
        default="status-quo",
        help="equilibrium-selection rule at each state",
    )
    e.add_argument(
        "--moves",
        choices=("step", "jump"),
        default=None,
        help="one rung a round per dyad ('step') or any rung in one round ('jump'); "
        "default: the scenario's",
    )
    e.add_argument(
        "--start",
        default="events",
        help="where the path starts: 'events' (default: the scenario as it stood at its last "
        "announcement, its own path to that round with the round's announcements), 'initial' "
        "(the scenario's first state), or DYAD=LEVEL pairs applied on top of the events, e.g. "
        "US-CN=1.45,CN-US=1.4",
    )
    e.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="stop building the ladder game, and then the solver, after this many seconds "
        "each (a solver stopped reports that it did not converge)",
    )
    e.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal only)",
    )
    e.add_argument(
        "--out",
        type=_folder,
        default="tariffsim-out",
        help="output folder (default: tariffsim-out)",
    )
    e.add_argument("--format", choices=("table", "csv", "json"), default="table")
    e.add_argument("--no-plot", action="store_true", help="do not write the PNG plots")
    _add_what_ifs(e, strategies=False)
    _add_no_recalibrate(e, "game solved")
    sa = sub.add_parser(
        "sensitivity",
        help="global sensitivity (Sobol or Morris) of a scenario's outputs to its parameters",
        epilog=(
            "example:\n  tariffsim sensitivity us-china-145 --n 256 --out sa-out\n"
            "  tariffsim sensitivity us-china-145 --method morris --n 20 \\\n"
            "      --params belief:pass_through.US.CN=0:0.6,learning_rate.US=0.02:0.4"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[lim],
    )
    sa.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    sa.add_argument(
        "--params",
        default="claims",
        help="'claims' (every claim with a range; default), or PATH=LOW:HIGH pairs separated "
        "by commas, or bare parameter paths (value ± 50%%)",
    )
    sa.add_argument(
        "--outputs",
        default="peak,first_cut_week,settled_us,cumulative_gdp_loss",
        help="comma-separated built-in outputs (default: all four)",
    )
    sa.add_argument(
        "--focus",
        default=None,
        metavar="IMPORTER-EXPORTER",
        help="the dyad the outputs read, e.g. US-CA, or an export control, control:CN-US "
        "(default: the first dyad the scenario plays, its first agent's first target)",
    )
    sa.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    sa.add_argument(
        "--n",
        type=int,
        default=256,
        help="Sobol base sample (power of 2) or Morris trajectories (default 256, a quicker "
        "design than ts.sensitivity's n=1024)",
    )
    sa.add_argument("--seed", type=int, default=0, help="seed of the design and the runs")
    sa.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    sa.add_argument("--no-progress", action="store_true", help="no progress bar")
    sa.add_argument(
        "--out",
        type=_folder,
        default="tariffsim-out",
        help="output folder (default: tariffsim-out)",
    )
    sa.add_argument("--no-plot", action="store_true", help="do not write the PNG charts")
    _add_no_recalibrate(sa, "design point")

    ca = sub.add_parser(
        "calibrate",
        help="fit parameters to an observed tariff record; report intervals and the forecast",
        epilog=(
            "example:\n  tariffsim calibrate us-china-145 --observed us-china-2025 --out fit-out\n"
            "  tariffsim calibrate us-china-145 --observed record.csv --until 2025-05-31 \\\n"
            "      --params learning_rate.US=0.02:0.4,face_weight.US"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[lim],
    )
    ca.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    ca.add_argument(
        "--observed",
        required=True,
        help="observed record: a bundled name (us-china-2025) or a CSV file",
    )
    ca.add_argument(
        "--params",
        default=_FIT_PARAMS,
        help="comma-separated parameter paths to fit, each optionally PATH=LOW:HIGH (default: "
        f"{_FIT_PARAMS}, the fit of the analysis guide; a path without a range takes its "
        "claims' range, else its value +-50%%)",
    )
    from .analysis.calibrate import DEFAULT_UNTIL

    ca.add_argument("--until", default=None, help=f"last date of the fit (default {DEFAULT_UNTIL})")
    ca.add_argument("--seeds", type=int, default=1, help="common seeds the loss averages over")
    ca.add_argument("--seed", type=int, default=0, help="seed of the optimiser and runs")
    ca.add_argument("--maxiter", type=int, default=12, help="generations of differential evolution")
    ca.add_argument("--popsize", type=int, default=8, help="population per parameter")
    ca.add_argument(
        "--profile-points", type=int, default=15, help="grid points of each profile (default 15)"
    )
    ca.add_argument(
        "--profile-samples",
        type=int,
        default=16,
        help="draws of the other parameters per profile point (default 16)",
    )
    ca.add_argument(
        "--forecast-rounds",
        type=int,
        default=None,
        metavar="N",
        help="rounds of the forecast, scored after the last date fitted (default: the "
        "scenario's, or more "
        "to reach the record's last date: 44 weekly rounds of us-china-145 reach December 2025)",
    )
    ca.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    ca.add_argument("--no-progress", action="store_true", help="no progress bar")
    ca.add_argument(
        "--out",
        type=_folder,
        default="tariffsim-out",
        help="output folder (default: tariffsim-out)",
    )
    ca.add_argument("--no-plot", action="store_true", help="do not write the PNG charts")
    _add_no_recalibrate(ca, "candidate")

    sub.add_parser(
        "schema",
        help="print the scenario-file JSON Schema (for editors)",
        epilog="example:\n  tariffsim schema > tariffsim-scenario.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    en = sub.add_parser(
        "ensemble",
        help="run a scenario many times (noise, drawn parameters); write a fan chart, "
        "quantiles and every run's data",
        epilog=_EPILOG_ENSEMBLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[lim],
    )
    en.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    en.add_argument("--runs", type=int, required=True, help="number of runs (>= 1)")
    en.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default 0)")
    en.add_argument(
        "--rounds", type=int, default=None, help="number of rounds (default: the scenario's)"
    )
    en.add_argument(
        "--vary",
        choices=("claims",),
        default=None,
        help="draw parameters from the claims' ranges (default: only noise differs)",
    )
    en.add_argument(
        "--draw",
        type=_draw,
        action="append",
        default=None,
        metavar="PATH=DIST",
        help="draw a parameter path from a distribution, e.g. "
        "'belief:pass_through.US.CN=Uniform(0, 0.5)' or 'noise=Uniform(0, 0.1)' (Uniform, "
        "Triangular, Normal, LogNormal, Beta); repeatable; beside --vary claims, both",
    )
    where = en.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=None, help="run chunks on K local worker processes"
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run chunks on a Dask cluster (needs tariffsim[dask]), e.g. tcp://host:8786",
    )
    en.add_argument("--chunk-size", type=int, default=None, help="runs per chunk")
    en.add_argument(
        "--summary",
        action="store_true",
        help="keep no run: reduce each chunk to counts where it runs (exact tariff bands, "
        "indicator bands to their bin width); memory does not grow with --runs",
    )
    en.add_argument(
        "--indicators",
        type=_indicators,
        default=("recession",),
        metavar="NAMES",
        help="the fan chart's panels under the tariffs, comma-separated, from recession, "
        "approval, payoff, drawdown (default: recession)",
    )
    _add_no_recalibrate(en, "run")
    _add_what_ifs(en)
    en.add_argument("--no-plot", action="store_true", help="do not write the fan chart")
    en.add_argument("--no-progress", action="store_true", help="no progress bar")
    en.add_argument(
        "--out",
        type=_folder,
        default="tariffsim-out",
        help="output folder (default: tariffsim-out)",
    )
    return p


def _fit(text: str, width: int = 100) -> str:
    """Lines cut to ``width``, with terminal escapes from files made visible."""
    text = term_escape(text)
    return "\n".join(
        line if len(line) <= width else line[: width - 1] + "…" for line in text.splitlines()
    )


def _one_line(text: str) -> str:
    """An error message on one line, safe for the terminal."""
    msg = str(text).splitlines() or [""]
    head = (
        msg[0]
        if len(msg) == 1
        else f"{msg[0]} " + "; ".join(m.strip(" -").removesuffix(".") for m in msg[1:])
    )
    return term_escape(head, keep_newlines=False)


def _write_outputs(
    out: FsPath,
    stem: str,
    texts: dict[str, str],
    figures: dict[str, Any],
    others: Sequence[str] = (),
) -> list[FsPath]:
    """Write a run's files into ``out`` together (see :class:`tariffsim._io.OutputGroup`).

    ``texts`` and ``figures`` map a suffix (``".csv"``, ``"-summary.png"``) to
    the content or to a callable returning a matplotlib figure; names are
    ``slug(stem) + suffix``, so nothing is written outside ``out``. ``others``: the
    suffixes the command writes at other times (charts, without ``--no-plot``), whose
    files from an earlier run are removed with the same step, so that the folder never
    holds this run's data beside another run's charts.
    """
    from ._io import OutputGroup, slug

    safe = slug(stem)
    with OutputGroup(out) as group:
        for suffix, text in texts.items():
            group.text(safe + suffix, text)
        for suffix, make in figures.items():
            group.figure(safe + suffix, make())
        group.supersede(*(safe + x for x in others if x not in texts and x not in figures))
    return group.written


def _check_outputs(out: FsPath, stem: str, *suffixes: str) -> None:
    """Refuse, before any work, a file :func:`_write_outputs` would write over a folder or
    another file that is not a regular one (``slug(stem) + suffix`` in ``out``)."""
    from ._io import check_outputs, slug

    check_outputs(out, *(slug(stem) + x for x in suffixes))


def _cmd_run(a: argparse.Namespace) -> int:
    from .scenario import load_scenario

    limits.check("max_rounds", a.rounds or 0, "--rounds")
    out = _out_dir(a)
    written_as = load_scenario(a.scenario)
    sc = _what_if(written_as, a)
    stem = _stem(sc, a)
    what_if = sc is not written_as
    pngs = [".png", "-summary.png", *(["-compare.png"] if what_if else [])]
    _check_outputs(out, stem, ".csv", ".json", *([] if a.no_plot else pngs))
    path = sc.simulate(seed=a.seed, rounds=a.rounds)
    base = written_as.simulate(seed=a.seed, rounds=a.rounds) if what_if else None
    # a what-if shows the tariffs either path sets: one it holds at zero is what changed
    either = set(path.tariff_dyads()) | set(base.tariff_dyads() if base is not None else ())
    dyads = [(x, y) for x in path.codes for y in path.codes if (x, y) in either] or None
    csv_text, json_text = path.to_csv(), path.to_json()  # both (or neither) before any output
    if a.format == "csv":
        sys.stdout.write(term_escape(csv_text))
    elif a.format == "json":
        sys.stdout.write(json_text + "\n")
    else:
        seed = seed_text(a.seed)
        print(_fit(f"{sc.title} — seed {seed}, {len(path) - 1} rounds from {path.dates[0]}"))
        _print_changes(sc)
        print(_fit(path.table(dyads=dyads), width=10**6))
        if path.agreements:
            print()
        _print_agreements(path, sc.game.negotiation.pool)
        _print_events(path)
        if base is not None:
            _print_comparison(sc, base, path, seed)
    figures: dict[str, Any] = {}
    if not a.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import plot_paths, plot_summary

        figures = {
            ".png": lambda: path.plot(dyads=dyads),
            "-summary.png": lambda: plot_summary(path),
        }
        if base is not None:
            pair = {"as written": base, "what-if": path}
            figures["-compare.png"] = lambda: plot_paths(pair, dyads=list(sc._dyads()))
    written = _write_outputs(
        out, stem, {".csv": csv_text, ".json": json_text}, figures, (*pngs, "-compare.png")
    )
    _report_written(written, a.format)
    return 0


def _print_comparison(sc: Any, base: Any, path: Any, seed: str) -> None:
    """The what-if against the scenario as written, same seed: each agent dyad's peak and
    final tariff, each player's highest recession odds."""
    print(_fit(f"\nagainst {sc.name} as written (seed {seed}):"))
    print(f"{'':<16} {'as written':>10} {'what-if':>10}")
    for x, y in sc._dyads():
        rows = (("peak", base.peak(x, y), path.peak(x, y)),
                ("final", base.series(x, y)[-1], path.series(x, y)[-1]))  # fmt: skip
        for what, was, now in rows:
            name = f"{x}->{y} {what} %"
            print(_fit(f"{name:<16} {100 * float(was):>10.1f} {100 * float(now):>10.1f}"))
    for c in sc.players:
        k = path.codes.index(c)
        was, now = 100 * float(base.recession[:, k].max()), 100 * float(path.recession[:, k].max())
        print(_fit(f"{c + ' rec% high':<16} {was:>10.1f} {now:>10.1f}"))


def _report_written(written: Sequence[Any], fmt: str = "table") -> None:
    """The files written, one a line (a newline or an escape in a name made visible): on
    stdout beside a table, on stderr beside data on stdout."""
    dest = sys.stderr if fmt != "table" else sys.stdout
    print("\nwrote:", file=dest)
    for w in written:
        print(term_escape(f"  {w}", keep_newlines=False), file=dest)


def _cmd_claims(a: argparse.Namespace) -> int:
    from .claims import load_claims

    cs = load_claims().filter(kind=a.kind, term=a.term)
    if a.format == "json":
        recs = cs.records()
        for r in recs:
            r["value"] = list(r["value"]) if isinstance(r["value"], tuple) else r["value"]
            r["range"] = list(r["range"]) if r["range"] else None
        print(json.dumps(recs, indent=1, ensure_ascii=False))
        return 0
    if a.format == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        recs = cs.records()
        cols = list(recs[0]) if recs else ["id"]
        w.writerow(cols)
        for r in recs:
            v = r["value"]
            if isinstance(v, tuple):
                r["value"] = "–".join(_full(x) for x in v)
            elif isinstance(v, float):
                r["value"] = _full(v)
            r["range"] = "–".join(_full(x) for x in r["range"]) if r["range"] else ""
            w.writerow([r[c] for c in cols])
        return 0
    for cid, kind, v, unit, _src in cs.table():
        print(_fit(f"{cid:<34} {kind[:4]:<4} {v[:26]:<26} {unit[:30]}"))
    print(f"\n{len(cs)} claims")
    return 0


def _full(x: float) -> str:
    """A number at full precision, without a trailing ``.0``."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _cmd_list(a: argparse.Namespace) -> int:
    from .scenario import list_scenarios, load_scenario

    rows = []
    for name in list_scenarios():
        sc = load_scenario(name)
        g = sc.game
        rows.append(
            {
                "name": name,
                "title": sc.title,
                "players": " ".join(sc.players),
                "start": str(g.start),
                "rounds": g.rounds,
                "round_days": g.round_days,
            }
        )
    if a.format == "json":
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    elif a.format == "csv":
        _write_csv(rows)
    else:
        for r in rows:
            print(_fit(f"{r['name']:<24} {r['players']:<12} {r['title']}"))
    return 0


def _write_csv(rows: Sequence[dict[str, Any]]) -> None:
    import csv

    from ._io import csv_cell

    w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows({k: term_escape(csv_cell(v)) for k, v in r.items()} for r in rows)


_ITEM = ("section", "key", "value", "detail", "claims")
_AGENT = ("country", "strategy", "targets", "active_from", "learning_rate")
_EVENT = ("when", "kind", "what", "label", "claims")


def _scenario_items(sc: Scenario) -> list[dict[str, str]]:
    """A scenario as flat ``(section, key, value, detail, claims)`` rows (``show --format csv``)."""
    g = sc.game
    items = [
        ("scenario", "name", sc.name, sc.title, ""),
        ("calendar", "start", str(g.start), "", ""),
        ("calendar", "rounds", str(g.rounds), f"{g.round_days} days each", ""),
    ]
    items += [
        ("country", c.code, f"{c.gdp:g}", f"{c.name}; GDP USD tn", "")
        for c in g.world.countries
        if c.code in sc.players
    ]
    items += [
        ("agent", code, strat, f"targets {tg}; active from {act}; learning rate {lr}", "")
        for code, strat, tg, act, lr in sc._agent_rows()
    ]
    items += [
        (
            "belief",
            f"{b['country']} {b['parameter']}",
            f"{b['believed']:g}",
            f"true {b['true']:g}",
            "",
        )
        for b in sc.beliefs()
    ]
    items += [
        ("parameter", p["parameter"], p["value"], f"set by {p['set_by']}", " ".join(p["claims"]))
        for p in sc.parameters()
    ]
    items += [
        ("event", when, f"{kind} {what}".strip(), label, claims.replace(", ", " "))
        for when, kind, what, label, claims in sc._event_rows()
    ]
    items += [
        (kind, dyad, level, cond, claims.replace(", ", " "))
        for kind, dyad, level, cond, claims in sc._bargaining_rows()
    ]
    return [dict(zip(_ITEM, it, strict=True)) for it in items]


def _scenario_doc(sc: Scenario) -> dict[str, Any]:
    """A scenario as a JSON-ready dict (``show --format json``)."""
    g = sc.game
    events: list[dict[str, Any]] = [dict(zip(_EVENT, r, strict=True)) for r in sc._event_rows()]
    for e in events:
        e["claims"] = [c for c in e["claims"].split(", ") if c]
    return {
        "name": sc.name,
        "title": sc.title,
        "description": " ".join(sc.description.split()),
        "source": sc.source,
        "calendar": {"start": str(g.start), "rounds": g.rounds, "round_days": g.round_days},
        "noise": g.noise,
        "countries": [
            {"code": c.code, "name": c.name, "gdp": c.gdp, "player": c.code in sc.players}
            for c in g.world.countries
        ],
        "agents": [
            {**dict(zip(_AGENT, r, strict=True)), "learning_rate": float(r[-1])}
            for r in sc._agent_rows()
        ],
        "beliefs": sc.beliefs(),
        "parameters": [{**p, "claims": list(p["claims"])} for p in sc.parameters()],
        "events": events,
        "negotiation": {
            "enabled": g.negotiation.enabled,
            "method": g.negotiation.method,
            "discount": g.negotiation.discount,
            "discount_days": g.negotiation.discount_days,
            "horizon": g.negotiation.horizon,
        },
        "bargaining": [
            {
                "kind": k,
                "dyad": d,
                "level": lv,
                "condition": c,
                "claims": [x for x in cl.split(", ") if x],
            }
            for k, d, lv, c, cl in sc._bargaining_rows()
        ],
        "claims": list(sc.claims),
        "outcomes": list(sc.outcomes),
    }


def _cmd_show(a: argparse.Namespace) -> int:
    from .scenario import load_scenario

    sc = load_scenario(a.scenario)
    if a.format == "csv":
        _write_csv(_scenario_items(sc))
    elif a.format == "json":
        print(json.dumps(_scenario_doc(sc), indent=1, ensure_ascii=True))
    else:
        print(_fit(sc.describe(width=100)))
    return 0


def _cmd_schema(a: argparse.Namespace) -> int:
    from .schema import json_schema

    print(json.dumps(json_schema(), indent=1))
    return 0


def _parse_start(text: str) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for part in text.split(","):
        key, sep, val = part.strip().partition("=")
        a, dash, b = key.partition("-")
        if not sep or not dash:
            raise _UsageError(f"--start: expected DYAD=LEVEL like US-CN=1.45; got {part.strip()!r}")
        try:
            level = float(val)
        except ValueError:
            raise _UsageError(f"--start: level of {key} must be a number; got {val!r}") from None
        if any((a, b) == (x, y) for x, y, _ in out):
            raise _UsageError(f"--start: {key} is given twice; give each dyad once")
        out.append((a, b, level))
    return out


def _cmd_equilibrium(a: argparse.Namespace) -> int:
    import dataclasses
    import time

    import numpy as np

    from .engine import check_calendar
    from .equilibrium import (
        agreement_path,
        estimate_cost,
        markov_perfect,
        with_demand_floors,
    )
    from .equilibrium.markov import COST_WARN_SECONDS, _ladder_within
    from .scenario import load_scenario
    from .world import State

    limits.check("max_rounds", a.rounds, "--rounds")
    out = _out_dir(a)
    if a.max_seconds is not None and not a.max_seconds > 0:
        raise _UsageError(f"--max-seconds must be > 0; got {a.max_seconds}")
    from .parampath import parse

    for path, _ in a.set or []:  # (an equilibrium is solved on the true payoffs)
        if parse(path).scope == "belief":
            raise _UsageError(
                f"--set {path}: an equilibrium is solved on the true payoffs, which an agent's "
                "belief does not enter; set the truth (truth:PATH, or PATH for both)"
            )
    sc = _what_if(load_scenario(a.scenario), a)
    stem = _stem(sc, a)
    pngs = [] if a.no_plot else ["-equilibrium.png", "-equilibrium-policy.png"]
    _check_outputs(out, stem, "-equilibrium.csv", "-equilibrium.json", *pngs)
    game = sc.game
    if a.start == "initial":
        start = game.initial or State.zeros(game.world.n)
    else:
        start = sc.equilibrium_start()
    if a.start not in ("events", "initial"):
        for imp, exp, level in _parse_start(a.start):
            lad = game.world.ladders.get((imp, exp))
            if lad is None:
                raise _UsageError(f"--start: no tariff ladder for {imp}-{exp}")
            if not lad.contains(level):
                raise _UsageError(
                    f"--start: {imp}-{exp}={level!r} is not on the ladder {lad.levels} "
                    f"(levels are fractions: 1.45 is 145%)"
                )
            start = start.with_tariff(game.world, imp, exp, level)
    r0 = 0
    if a.start != "initial" and game.events:
        # the path starts where the calendar's announcements leave off: date it from there
        r0 = max(
            (game.round_of(e.when) for e in game.events if e.kind in ("set", "control")),
            default=0,
        )
    check_calendar(game, a.rounds, r0)  # before the solve
    # summits with parties are bargaining opportunities on the equilibrium path: solve the
    # game whose demanding sides keep their unmet demands, then offer deals at each summit
    talks = game.negotiation.enabled and any(e.kind == "summit" and e.parties for e in game.events)
    unfloored = game
    if talks:
        game = with_demand_floors(game, start)
    # dyads the ladder game does not move are held at the start's levels
    deadline = None if a.max_seconds is None else time.monotonic() + a.max_seconds
    import warnings

    from .errors import ConvergenceWarning, CostWarning

    kept = warnings.showwarning

    def said_now(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if not issubclass(category, CostWarning):
            return kept(message, category, *args, **kwargs)
        # an expensive build is said before it starts, in the command's words
        text = str(message).replace(
            "the solvers' max_seconds= bounds it", "bound it with --max-seconds"
        )
        print(_fit(f"tariffsim: warning: {text}", 10**4), file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", CostWarning)
        warnings.showwarning = said_now
        lgame = _ladder_within(
            game.replace(initial=start), "game", a.moves, deadline, a.max_seconds, "equilibrium"
        )
    lgame.index_of(start)  # off-grid start: error before solving

    cost = estimate_cost(lgame, a.selection)
    if cost.seconds_per_sweep > COST_WARN_SECONDS:  # say so before the work, not after
        hint = "" if a.max_seconds else "; bound it with --max-seconds"
        print(_fit(f"tariffsim: warning: expensive solve: {cost.describe()}{hint}", 10**4),
              file=sys.stderr, flush=True)  # fmt: skip
    elif cost.seconds_per_sweep > 5:
        print(_fit(f"tariffsim: solving {cost.describe()}", 10**4), file=sys.stderr, flush=True)
    began = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CostWarning)  # reported above
        warnings.simplefilter("ignore", ConvergenceWarning)  # the result says so
        res = markov_perfect(
            lgame,
            discount=a.discount,
            selection=a.selection,
            max_seconds=a.max_seconds,
            progress=a.progress,
        )
    # the solves after deals share what is left of --max-seconds, and its progress setting
    left = None if a.max_seconds is None else max(a.max_seconds - (time.monotonic() - began), 0.0)
    if talks or game.threats:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            path = agreement_path(
                res, start, a.rounds, start_round=r0, game=unfloored.replace(initial=start),
                max_seconds=left, progress=a.progress,
            )  # fmt: skip
    else:
        path = res.path(start=start, rounds=a.rounds, start_round=r0)
    path = dataclasses.replace(
        path,
        meta={**path.meta, "scenario": sc.name, "players": list(sc.players),
              "title": f"{sc.title} (δ = {a.discount!r}, {a.selection})",
              "changes": list(sc.changes)},
    )  # fmt: skip
    still = bool(np.all(path.tariff == path.tariff[0]) and np.all(path.control == path.control[0]))
    where = ", ".join(f"{i}->{j} {100 * float(path.series(i, j)[0]):g}%" for i, j in lgame.dyads)
    nothing = (
        f"nothing moves: from the start ({where}) the selected equilibrium holds every dyad "
        f"for all {a.rounds} rounds. Try another --start (e.g. DYAD=LEVEL pairs), "
        "--discount or --selection."
    )
    csv_text, json_text = path.to_csv(), path.to_json()
    if a.format == "csv":
        sys.stdout.write(term_escape(csv_text))
    elif a.format == "json":
        sys.stdout.write(json_text + "\n")
    else:
        print(_fit(f"{sc.name}: Markov-perfect equilibrium, discount {a.discount!r}, "
                   f"selection {a.selection}"))  # fmt: skip
        _print_changes(sc)
        # whole (it ends with what stopped the solver), in the options' names
        print(_fit(res.message.replace("`max_seconds`", "--max-seconds"), 10**4))
        print(
            _fit(f"start: {'the last announcement' if a.start == 'events' else a.start} ({where})")
        )
        print("payoffs: the true model (the players' beliefs and learning play in "
              "`tariffsim run`, not here)")  # fmt: skip
        print(_fit(path.table(), width=10**6))
        _print_agreements(path, sc.game.negotiation.pool)
        _print_events(path)
        if still:
            print(_fit(nothing))
    figures: dict[str, Any] = {}
    if not a.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        figures = {
            "-equilibrium.png": path.plot,
            "-equilibrium-policy.png": lambda: res.plot_policy(at=start),
        }
    written = _write_outputs(
        out,
        stem,
        {"-equilibrium.csv": csv_text, "-equilibrium.json": json_text},
        figures,
        ("-equilibrium.png", "-equilibrium-policy.png"),
    )
    _report_written(written, a.format)
    if a.format != "table":  # the table says it; beside data on stdout, stderr does
        if not res.converged:
            msg = res.message.replace("`max_seconds`", "--max-seconds")
            print(_fit(f"tariffsim: {msg}", 10**4), file=sys.stderr)
        if still:
            print(f"tariffsim: {nothing}", file=sys.stderr)
    return 0 if res.converged else 1


def _print_agreements(path: Any, pool: Mapping[str, Any]) -> None:
    """The path's agreements, one wrapped line each: terms, the concessions given (with their
    labels, from the game's ``pool``) and the split of the surplus."""
    from .deals import _layer_text

    for ag in path.agreements:
        terms = ", ".join(
            f"{i}->{j} {100 * v:g}%{_layer_text(ag.layers.get((i, j)))}"
            for (i, j), v in ag.terms.items()
        )
        split = ", ".join(f"{p} {100 * v:.0f}%" for p, v in ag.split.items())
        given = [
            f"{c} ({pool[c].label})" if c in pool and pool[c].label else c for c in ag.concessions
        ]
        extra = f"; concessions {', '.join(given)}" if given else ""
        when = str(path.dates[ag.round]) + (f", {ag.label}" if ag.label else "")
        line = f"agreement in round {ag.round} ({when}): {terms}{extra}; "
        # wrapped, not cut: what was conceded is at the end
        print(_fit("\n".join(textwrap.wrap(line + f"surplus split {split}", 100,
                                            subsequent_indent="    "))))  # fmt: skip


def _print_events(path: Any) -> None:
    """The path's events (announcements, summits, threats, breaches), one line each."""
    if path.events:
        print("\nevents:")
        for r, label in path.events:
            print(_fit(f"  round {r:>3}  {path.dates[min(r, len(path) - 1)]}  {label}"))


def _out_dir(a: argparse.Namespace) -> FsPath:
    """``--out``, checked before any work: a folder that exists or can be made, and written to.

    The folders it makes are noted in ``a.made`` and removed again (when still
    empty) if the command fails, so a failed command leaves nothing behind.
    """
    text = a.out
    out = FsPath(os.path.normpath(text))  # "made/../b" is "b": no folder made for "made"
    if out.exists() and not out.is_dir():
        raise _UsageError(f"--out {text!r} exists and is not a folder")
    made = []
    p = out.absolute()
    while not p.exists() and p != p.parent:
        if p.is_symlink():  # mkdir would say only "File exists"
            raise _UsageError(
                f"--out {text!r}: {term_escape(str(p))!r} is a symbolic link to "
                f"{term_escape(os.readlink(p))!r}, which leads nowhere (no such folder, or "
                "a loop of links)"
            )
        made.append(p)
        p = p.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        _remove_empty(made)
        raise _UsageError(f"--out {text!r} cannot be written: {e.strerror or e}") from None
    a.made = [*getattr(a, "made", []), *made]
    return out


def _remove_empty(folders: Sequence[FsPath]) -> None:
    """Remove ``folders`` (innermost first) where they are still empty."""
    for f in folders:
        try:
            f.rmdir()
        except OSError:
            return


def _parse_params(text: str) -> tuple[list[str], dict[str, tuple[float, float]]]:
    """``PATH[=LOW:HIGH],...`` -> (paths, ranges given)."""
    paths: list[str] = []
    ranges: dict[str, tuple[float, float]] = {}
    for part in (x.strip() for x in text.split(",")):
        if not part:
            raise _UsageError(f"--params: empty item in {text!r}")
        path, sep, rng = part.partition("=")
        if path in paths:
            raise _UsageError(f"--params names {path!r} twice")
        paths.append(path)
        if sep:
            lo, colon, hi = rng.partition(":")
            try:
                if not colon:
                    raise ValueError
                ranges[path] = (float(lo), float(hi))
            except ValueError:
                raise _UsageError(
                    f"--params: range of {path} must be LOW:HIGH, e.g. {path}=0:0.6; got {rng!r}"
                ) from None
            from .analysis.sensitivity import check_path_range
            from .parampath import describe

            describe(path)  # an unknown path: its own error, with near matches
            check_path_range(path, *ranges[path], label=f"--params {part}")
    return paths, ranges


_CONNECT_SECONDS = 20.0
"""Longest wait for a Dask scheduler to answer ``--scheduler``."""


def _connect(client_cls: Any, address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or a usage error naming it.

    The connection is made on a thread of its own and given
    :data:`_CONNECT_SECONDS`: a server that is not a Dask scheduler may never
    answer (the client's own timeout does not cover every handshake), or answer
    with bytes the client misreads.
    """
    import threading
    from urllib.parse import urlsplit

    try:  # (a port out of range waited the whole timeout for "Timed out")
        port = urlsplit(address if "://" in address else f"tcp://{address}").port
    except ValueError:
        raise _UsageError(
            f"--scheduler {address!r}: the port must be a number in [1, 65535], as in "
            "tcp://10.0.0.5:8786"
        ) from None
    if port == 0:
        raise _UsageError(f"--scheduler {address!r}: the port must be in [1, 65535]")

    got: list[Any] = []

    def connect() -> None:
        try:
            got.append(client_cls(address, timeout="10s"))
        except BaseException as e:  # whatever the client makes of a wrong server
            got.append(e)

    t = threading.Thread(target=connect, name="tariffsim-connect", daemon=True)
    t.start()
    t.join(_CONNECT_SECONDS)
    if not got:
        raise _UsageError(
            f"--scheduler {address!r}: no Dask scheduler answered within "
            f"{_CONNECT_SECONDS:g} s (is it the scheduler's address, not its dashboard's?)"
        )
    if isinstance(got[0], BaseException):
        e = got[0]
        if isinstance(e, KeyboardInterrupt):
            raise e
        if isinstance(e, MemoryError | OverflowError):
            # something answered, and the client misread it (a length it took from a web
            # server's reply, say): not a Dask scheduler
            raise _UsageError(
                f"--scheduler {address!r}: the server there does not speak Dask's protocol "
                f"(the client failed with {type(e).__name__}); is it the scheduler's address, "
                "not its dashboard's or another service's?"
            ) from None
        # nobody there, refused, timed out, or an address the client cannot read: its words
        raise _UsageError(f"--scheduler {address!r}: {type(e).__name__}: {e}") from None
    return got[0]


def _check_workers(workers: int) -> None:
    if workers < 1:
        raise _UsageError(f"--workers must be >= 1; got {workers}")
    limits.check("max_workers", workers, "--workers")


def _csv_text(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    from ._io import csv_cell

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows({k: csv_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows)
    return buf.getvalue()


def _cmd_sensitivity(a: argparse.Namespace) -> int:
    from .analysis.sensitivity import sensitivity
    from .scenario import load_scenario

    if a.seed < 0:
        raise _UsageError(f"--seed must be an int >= 0; got {a.seed}")
    out = _out_dir(a)
    sc = load_scenario(a.scenario)
    if a.params.strip() == "claims":
        params: Any = "claims"
    else:
        paths, ranges = _parse_params(a.params)
        if ranges and len(ranges) != len(paths):
            raise _UsageError("--params: give LOW:HIGH for every path or for none")
        params = ranges if ranges else paths
    outputs = [o.strip() for o in a.outputs.split(",") if o.strip()]
    _check_workers(a.workers)
    pngs = [] if a.no_plot else [f"-{o}.png" for o in dict.fromkeys(outputs)]
    _check_outputs(out, f"{sc.name}-sensitivity", ".csv", ".txt", *pngs)  # before any run
    res = sensitivity(sc, params, outputs, method=a.method, n=a.n, seed=a.seed,
                      processes=a.workers, progress=False if a.no_progress else None,
                      recalibrate=not a.no_recalibrate, focus=a.focus)  # fmt: skip
    focus = f", outputs of {res.meta['focus']}" if res.meta.get("focus") else ""
    seed = seed_text(a.seed)
    head = _fit(f"{sc.name}: {a.method} sensitivity, n={a.n}, {res._runs_text()}, seed {seed}"
                + focus) + "\n" + res.ranges()  # fmt: skip
    print(head)
    table = _flag_names(res.table(), a, _parser())  # (its advice in the command's options)
    print(table)
    figures: dict[str, Any] = {}
    if not a.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        figures = {f"-{o}.png": (lambda o=o: res.plot(o).figure) for o in res.outputs}
    written = _write_outputs(
        out,
        f"{sc.name}-sensitivity",
        {".csv": _csv_text(res.rows()), ".txt": head + "\n" + table + "\n"},
        figures,
        [f"-{o}.png" for o in res.outputs],
    )
    _report_written(written)
    return 0


def _cmd_calibrate(a: argparse.Namespace) -> int:
    import numpy as np

    from .analysis.calibrate import calibrate
    from .analysis.observed import load
    from .scenario import load_scenario

    for flag, v, lo in (("--seed", a.seed, 0), ("--seeds", a.seeds, 1), ("--maxiter", a.maxiter, 1),
                        ("--popsize", a.popsize, 2), ("--profile-points", a.profile_points, 3),
                        ("--profile-samples", a.profile_samples, 0),
                        ("--forecast-rounds", 1 if a.forecast_rounds is None else a.forecast_rounds,
                         1)):  # fmt: skip
        if v < lo:
            raise _UsageError(f"{flag} must be an int >= {lo}; got {v}")
    out = _out_dir(a)
    sc = load_scenario(a.scenario)
    obs = load(a.observed)
    if a.params == _FIT_PARAMS and ("US", "CN") not in sc.game.played_dyads():
        raise _UsageError(
            f"the default --params ({_FIT_PARAMS}) fit the US-China game; {sc.name} does not "
            "play the US tariff on China: name the parameters to fit with --params"
        )
    paths, ranges = _parse_params(a.params)
    _check_workers(a.workers)
    if a.forecast_rounds is not None:
        limits.check("max_rounds", a.forecast_rounds, "--forecast-rounds")
    pngs = [] if a.no_plot else [".png", "-profiles.png", "-forecast.png"]
    _check_outputs(
        out,
        f"{sc.name}-calibration",
        ".csv",
        ".txt",
        "-forecast.csv",
        "-forecast-paths.csv",
        *pngs,
    )
    fit = calibrate(sc, obs, paths, bounds=ranges or None, until=a.until, seeds=a.seeds,
                    seed=a.seed, maxiter=a.maxiter, popsize=a.popsize,
                    profile_points=a.profile_points, profile_samples=a.profile_samples,
                    processes=a.workers, progress=False if a.no_progress else None,
                    recalibrate=not a.no_recalibrate)  # fmt: skip
    fc = fit.forecast(rounds=a.forecast_rounds)
    end = fc.fitted.dates[-1]
    after = np.datetime64(fc.after, "D")  # the last date fitted (--until, or the game's end)
    if np.datetime64(obs.end, "D") <= after:  # no record after the fit
        score, score_text = (
            None,
            (
                f"forecast: nothing to score: the record ends {obs.end}, not after the last "
                f"date fitted ({fc.after}); give an earlier --until to keep dates for the "
                "forecast."
            ),
        )
    elif np.datetime64(end, "D") <= after:  # nothing after the fit's end
        score, score_text = (
            None,
            (
                f"forecast: nothing to score: the forecast's last round ({end}) is not after "
                f"the last date fitted ({fc.after}); pass a larger --forecast-rounds."
            ),
        )
    else:
        score = fc.score(obs)
        score_text = score.table()
    print(fit.report())
    print()
    print(score_text)
    texts = {".csv": _csv_text(fit.rows()), ".txt": fit.report() + "\n\n" + score_text + "\n"}
    if score is not None:
        texts["-forecast.csv"] = _csv_text(score.rows())
    paths = fc.to_frame(obs).assign(date=lambda d: d["date"].astype(str))
    texts["-forecast-paths.csv"] = paths.to_csv(index=False, lineterminator="\n")
    figures: dict[str, Any] = {}
    if not a.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        figures = {
            ".png": lambda: fit.plot().figure,
            "-profiles.png": fit.plot_profiles,
        }
        if score is not None:  # (a forecast chart with no record in its window shows nothing)
            figures["-forecast.png"] = lambda: fc.plot(obs).figure
    charts = (".png", "-profiles.png", "-forecast.png")
    _report_written(_write_outputs(out, f"{sc.name}-calibration", texts, figures, charts))
    return 0


def _cmd_ensemble(a: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from .analysis.ensemble import ensemble
    from .scenario import load_scenario

    checks = (("--runs", a.runs, 1), ("--seed", a.seed, 0), ("--rounds", a.rounds, 1),
              ("--workers", a.workers, 1), ("--chunk-size", a.chunk_size, 1))  # fmt: skip
    for flag, v, lo in checks:
        if v is not None and v < lo:
            raise _UsageError(f"{flag} must be >= {lo}; got {v}")
    limits.check("max_rounds", a.rounds or 0, "--rounds")
    limits.check("max_runs", a.runs, "--runs")
    limits.check("max_workers", a.workers or 1, "--workers")
    draws: dict[str, Any] = {}
    for path, dist in a.draw or []:
        if path in draws:
            raise _UsageError(f"--draw names the path {short_repr(path)} twice")
        if path == "claims":
            raise _UsageError(
                "--draw: 'claims' is not a parameter path; draw the claims with --vary claims"
            )
        draws[path] = dist
    vary: Any = ({"claims": True, **draws} if a.vary else draws) if draws else a.vary
    a.said = lambda text: _draw_names(text, draws, a.vary)  # its warnings, as its errors
    out = _out_dir(a)
    sc = _what_if(load_scenario(a.scenario), a)
    try:
        import xarray  # noqa: F401

        data_ext = "nc"
    except ImportError:
        data_ext = "npz"
    from ._io import OutputGroup, check_outputs, slug

    stem = f"{slug(_stem(sc, a))}-ensemble"
    data = f"{stem}-summary.{data_ext}" if a.summary else f"{stem}.{data_ext}"
    pngs = [] if a.no_plot else [f"{stem}.png"]
    check_outputs(out, *pngs, f"{stem}-quantiles.csv", data)  # before any run
    with ExitStack() as stack:
        executor: Any = None
        if a.scheduler is not None:
            try:
                from dask.distributed import Client
            except ImportError:
                raise _UsageError(
                    "--scheduler needs dask.distributed: pip install 'tariffsim[dask]'"
                ) from None
            executor = stack.enter_context(_connect(Client, a.scheduler))
        try:
            ens = ensemble(
                sc,
                a.runs,
                a.seed,
                vary,
                executor=executor,
                processes=a.workers,
                chunk_size=a.chunk_size,
                keep="summary" if a.summary else "runs",
                progress=False if a.no_progress else None,
                rounds=a.rounds,
                recalibrate=not a.no_recalibrate,
            )
        except TariffsimError as exc:  # the draws' own errors name what the user typed
            said = _draw_names(str(exc), draws, a.vary)
            if said != str(exc):
                raise type(exc)(said) from None
            raise
    with OutputGroup(out) as group:
        if not a.no_plot:
            import matplotlib

            matplotlib.use("Agg")
            group.figure(f"{stem}.png", ens.plot(indicators=a.indicators))
        shown = ("recession", *a.indicators)  # the chart's indicators, and the odds
        group.file(
            f"{stem}-quantiles.csv", lambda p: _write_rows(p, ens.quantile_rows(indicators=shown))
        )
        group.file(data, ens.to_netcdf if data_ext == "nc" else ens.to_npz)
        # the data of an earlier run in the other mode (or format) would not match the rest
        group.supersede(*(f"{stem}{m}.{x}" for m in ("", "-summary") for x in ("nc", "npz")))
        if a.no_plot:  # (an earlier run's chart beside this run's data: a mix)
            group.supersede(f"{stem}.png")
    targets = group.written
    title = term_escape(sc.title, keep_newlines=False)
    print(f"{title} — {len(ens)} runs × {ens.rounds} rounds, seed {seed_text(a.seed)}"
          + (", parameters drawn from the claims' ranges" if a.vary else "")
          + (f"{' and' if a.vary else ', parameters drawn:'} {', '.join(draws)}" if draws else "")
          + (" (summary: counts only)" if a.summary else ""))  # fmt: skip
    _print_changes(sc)
    print(f"{'dyad':<8} {'peak q5 %':>9} {'median %':>9} {'q95 %':>7}   "
          f"{'final q5 %':>10} {'median %':>9} {'q95 %':>7}")  # fmt: skip
    controls = ens.peak_final_table(series="control")  # (those in force in some run)
    tariffs = ens.peak_final_table()
    for series in ("tariff", "control") if controls else ("tariff",):
        if series == "control":
            print("export controls (% of critical exports withheld):")
        for (i, j), row in controls if series == "control" else tariffs:
            qs = [100 * v for v in row]
            print(f"{i + '->' + j:<8} {qs[0]:>9.1f} {qs[1]:>9.1f} {qs[2]:>7.1f}   "
                  f"{qs[3]:>10.1f} {qs[4]:>9.1f} {qs[5]:>7.1f}")  # fmt: skip
    # where the runs end at a few different levels, the bands span them all: say which
    split = [
        (f"{i}->{j}" + (" control" if kind == "control" else ""), got)
        for kind, rows in (("tariff", tariffs), ("control", controls))
        for (i, j), _ in rows
        if len(got := ens.shares(*(("control", (i, j)) if kind == "control" else (i, j)))) > 1
    ]
    if split:
        print("final levels (% of runs at each):")
        for name, got in split:
            if len(got) > 8:  # (a level per run, nearly: the quantiles above say it better)
                print(f"{name:<15} {len(got)} levels (ens.shares({name.split()[0]!r}))")
                continue
            print(f"{name:<15} " + "   ".join(f"{100 * v:g}%: {_share(p)}%" for v, p in got))
    _report_written(targets)
    for w in group.removed:
        print(term_escape(f"removed {w} (an earlier run's data, which the new files replace)"))
    return 0


def _share(p: float) -> str:
    """A share of runs in %, to three digits, with more where three would round a share that
    is not all the runs to 100 (or one that is some of them to 0)."""
    for digits in range(3, 17):
        text = f"{100 * p:.{digits}g}"
        if (text != "100" or p == 1) and (text != "0" or p == 0):
            return text
    return repr(100 * p)


def _write_rows(file: str, rows: Sequence[dict[str, Any]]) -> None:
    import csv

    from ._io import csv_cell

    with open(file, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows({k: csv_cell(v) for k, v in r.items()} for r in rows)


class _UsageError(Exception):
    pass


def _flag_names(message: str, a: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """``message`` with the API's argument names (```n```, ```outputs```) spelled as the
    command's options (``--n``, ``--outputs``) where the command has that option: an error
    from the library then names what the user typed."""
    actions = getattr(parser, "_actions", [])  # argparse keeps no public list of them
    cmds = [x.choices for x in actions if isinstance(x, argparse._SubParsersAction)]
    cmd = cmds[0].get(a.command) if cmds else None
    if not isinstance(cmd, argparse.ArgumentParser):
        return message
    usage = cmd.format_usage()
    for dest in vars(a):
        flag = "--" + dest.replace("_", "-")
        if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", usage):
            message = message.replace(f"`{dest}`", flag)
    return message


@contextlib.contextmanager
def _lenient_streams() -> Iterator[None]:
    """stdout and stderr print what their encoding cannot hold as escapes (``\\u2013``), not
    a UnicodeEncodeError after the files are written (``PYTHONIOENCODING=ascii``; the C
    locale's ASCII, whose streams are ``surrogateescape``, which fails on text as ``strict``
    does)."""
    before: list[tuple[Any, str]] = []
    for stream in (sys.stdout, sys.stderr):
        redo = getattr(stream, "reconfigure", None)
        errors = getattr(stream, "errors", None)
        if callable(redo) and errors in ("strict", "surrogateescape"):
            redo(errors="backslashreplace")
            before.append((redo, errors))
    try:
        yield
    finally:
        for redo, errors in before:
            redo(errors=errors)


class _GuardedStdout:
    """Standard output whose failures do not end the command (:func:`_guarded_stdout`).

    The first write or flush that fails (a reader gone, ``tariffsim run ... | head``; a full
    disk, ``> /dev/full``) is kept in :attr:`failed` and what follows goes nowhere, so the
    command still writes its files; everything else is the stream's own.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.failed: OSError | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _fail(self, e: OSError) -> None:
        self.failed = e
        with contextlib.suppress(OSError, ValueError, AttributeError):  # (not a real stream)
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())

    def write(self, text: str) -> int:
        if self.failed is None:
            try:
                return int(self._stream.write(text))
            except OSError as e:
                self._fail(e)
        return len(text)

    def flush(self) -> None:
        if self.failed is None:
            try:
                self._stream.flush()
            except OSError as e:
                self._fail(e)


@contextlib.contextmanager
def _guarded_stdout() -> Iterator[_GuardedStdout]:
    """``sys.stdout`` as a :class:`_GuardedStdout` within the block (flushed at its end).

    With standard output closed (``tariffsim run ... >&-``: Python's ``sys.stdout`` is
    None) what is printed goes nowhere, as after a failed write, and the command still
    writes its files."""
    before = sys.stdout
    with contextlib.ExitStack() as stack:
        if before is None:
            nowhere = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
            guard = _GuardedStdout(nowhere)
            guard.failed = OSError(errno.EBADF, "standard output is closed")
        else:
            guard = _GuardedStdout(before)
        sys.stdout = guard
        try:
            yield guard
        finally:
            guard.flush()
            sys.stdout = before


def _stdout_failed(guard: _GuardedStdout, status: int, wrote: bool) -> int:
    """The exit status once standard output failed: a reader that went away
    (``| head``) is no error; any other failure is (2), said on stderr (with whether the
    command's files were written: ``wrote``, a command with ``--out``)."""
    e = guard.failed
    if e is None or isinstance(e, BrokenPipeError) or status != 0:
        return status
    files = " (the files were written)" if wrote else ""
    print(f"tariffsim: error: could not write to standard output: {e}{files}", file=sys.stderr)
    return 2


def _interrupted(asked: int) -> int:
    """Say the command was interrupted; its exit status, as a shell's: 128 + the signal
    (130 for SIGINT, Ctrl-C; 143 for SIGTERM). ``asked``: :func:`interrupt_count` at the
    start."""
    print("tariffsim: interrupted", file=sys.stderr)
    return 128 + (interrupt_signal(asked) or signal.SIGINT)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tariffsim`` command; returns the exit status.

    A bad argument, input file or limit prints **one** line,
    ``tariffsim: error: ...``, on stderr and returns 2. Warnings raised while
    the command runs (numpy's included) are held back and shown on stderr
    only if it succeeds, so nothing is printed before the error line.

    As the command line's own entry point (``argv`` None), an interrupt that
    comes once the command has ended (while the process shuts down) is
    ignored: its files are written and its exit status is already decided.
    """
    status = _main(argv)
    if argv is None:
        import signal

        with contextlib.suppress(ValueError):  # (not the main thread: nothing to ignore)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    return status


def _main(argv: Sequence[str] | None) -> int:
    """:func:`main`."""
    import warnings

    parser = _parser()
    with _guarded_stdout() as said:  # --help and --version to a full disk fail as any output
        done = 0
        try:
            parsed = parser.parse_args(argv)
        except SystemExit as e:  # usage error (one line already printed), --help, --version
            parsed, done = None, e.code if isinstance(e.code, int) else 0
        if parsed is not None and parsed.command is None:
            parser.print_help()
    if parsed is None or parsed.command is None:  # (nothing more to do)
        return _stdout_failed(said, done, wrote=False)
    a = parsed
    cmds = {
        "run": _cmd_run,
        "claims": _cmd_claims,
        "list": _cmd_list,
        "show": _cmd_show,
        "equilibrium": _cmd_equilibrium,
        "sensitivity": _cmd_sensitivity,
        "calibrate": _cmd_calibrate,
        "schema": _cmd_schema,
        "ensemble": _cmd_ensemble,
    }
    caught: list[warnings.WarningMessage] = []
    status = 1
    asked = interrupt_count()  # an interrupt whose exception was lost still ends the command
    try:
        with (
            term_as_interrupt(),
            _lenient_streams(),
            _guarded_stdout() as out,
            warnings.catch_warnings(record=True) as caught,
            limits.override(**dict(getattr(a, "limit", []))),
        ):
            warnings.simplefilter("default")
            try:
                status = cmds[a.command](a)
            finally:
                if status != 0:  # the folders --out made, if nothing was written in them
                    _remove_empty(getattr(a, "made", []))
            out.flush()
    except KeyboardInterrupt:  # output files are written whole or not at all (OutputGroup)
        return _interrupted(asked)
    except Exception as e:
        if interrupt_count() > asked:  # e.g. an import the interrupt broke: it was the cause
            return _interrupted(asked)
        if isinstance(e, TariffsimError | _UsageError):
            msg = _one_line(_flag_names(str(e), a, parser))
            print(f"tariffsim: error: {msg}", file=sys.stderr)
            return 2
        if isinstance(e, BrokenPipeError):  # the reader went away (``tariffsim claims | head``)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        if isinstance(e, OSError):
            print(f"tariffsim: error: {_one_line(str(e))}", file=sys.stderr)
            return 2
        raise
    if interrupt_count() > asked:  # asked to stop, its exception lost where Python drops them
        return _interrupted(asked)
    wrote = getattr(a, "out", None) is not None
    if (failed := _stdout_failed(out, status, wrote)) != status:  # (then nothing more is said)
        return failed
    for w in caught:  # in the command's words, as its errors (`vary` of --draw is --draw)
        text = _flag_names(getattr(a, "said", str)(str(w.message)), a, parser)
        print(_one_line(f"tariffsim: warning: {w.category.__name__}: {text}"), file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
