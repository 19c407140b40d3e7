"""Limits that keep every accepted input bounded in size and work.

tariffsim refuses, immediately and by name, any input that would make it read,
allocate or enumerate more than these limits allow: a scenario file larger
than ``max_file_bytes``, nested deeper than ``max_depth``, a run of more than
``max_rounds`` rounds, an agent with more than ``max_targets`` targets, a
strategy that would enumerate more than ``max_combinations`` move profiles in
one round, or a list (agents, events, ladder rungs, schedule rounds) longer
than ``max_items``.

The defaults are generous for every use the bundled scenarios and the
documentation show (they are engineering bounds, not model parameters, so
they cite no claim). A user who needs more raises a limit explicitly, for a
block of code or one call:

>>> import tariffsim as ts
>>> ts.limits.current().max_rounds
2000
>>> with ts.limits.override(max_rounds=20_000):
...     ts.limits.current().max_rounds
20000
>>> ts.limits.current().max_rounds
2000

and on the command line with ``--limit max_rounds=20000``. The active limits
live in a :class:`contextvars.ContextVar`, so threads and asyncio tasks each
see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._util import one_of
from .errors import LimitError, ParameterError

__all__ = ["DEFAULT", "Limits", "check", "current", "override", "shown"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on input size and work; every field an int >= 1.

    Parameters
    ----------
    max_file_bytes : int, default 4_000_000
        Largest scenario file read (bytes). The bundled files are ~10 kB.
    max_record_bytes : int, default 64_000_000
        Largest path record read back (``Path.from_json`` of a file): the JSON
        that ``tariffsim run`` writes for ``max_rounds`` weekly rounds of the
        default world is about 50 MB (25 kB a round).
    max_depth : int, default 16
        Deepest nesting of tables and arrays in a scenario file (the format
        itself needs 5: ``agents[k].options.schedule."3".CN``).
    max_rounds : int, default 2_000
        Most rounds one run (``simulate``, ``tariffsim run --rounds``, a
        scenario's ``calendar.rounds``, an equilibrium path) may play: about
        38 years of weekly rounds, some 20 s of simulation on one idle core.
        Time and memory grow linearly with rounds.
    max_steps : int, default 14_000
        Most decision steps one run plays: its rounds times the steps of a
        round (:attr:`tariffsim.game.Game.steps`, a round's days over the
        days between decisions, where an agent decides at the calendar's
        pace; else one). ``max_rounds`` weekly rounds of daily decisions;
        a full record keeps the tariffs of every step, and 2,000 rounds of
        366 daily steps took minutes and 11 GB before this bound.
    max_countries : int, default 200
        Most countries in a world (``World``, a scenario's ``world.countries``
        added to the default ten): every WTO member fits. Loading a scenario
        grows faster than the square of its countries (its calibration builds
        worlds of every size up to it): 200 take some 2 s, 600 took over a
        minute and 2,000 did not finish in ten.
    max_targets : int, default 8
        Most targets (tariff dyads) one agent may set.
    max_combinations : int, default 6_561
        Most own-move profiles a strategy may evaluate in one round (the
        myopic strategy evaluates ``3 ** k`` for ``k`` dyads; ``3 ** 8``).
    max_items : int, default 10_000
        Longest list in a scenario (agents, events, ladder rungs, claims,
        schedule rounds) and longest string (characters).
    max_runs : int, default 10_000_000
        Most runs one call plays: an ensemble (``runs``), ``simulate_runs``, a
        sensitivity design times its replicates, a tournament's matches times
        their repetitions. Ten million summary runs take some three hours on
        two cores; the drawn parameters alone take 8 bytes per run and path.
    max_result_bytes : int, default 4_000_000_000
        Largest result kept in memory: an ensemble that keeps every run
        (``keep="runs"``) needs ``8 * runs * (rounds + 1) * (dyads + 4 *
        countries)`` bytes; beyond this, keep a summary (``keep="summary"``).
        The shares of ``replicator_dynamics`` and ``moran_process`` need
        ``8 * (steps + 1) * strategies`` bytes.
    max_workers : int, default 256
        Most worker processes a command or a call starts (``--workers``;
        ``processes=`` of ensembles, sensitivity, calibration and tournaments).
    max_iterations : int, default 10_000_000
        Most iterations of a learning dynamic (``best_response_dynamics``'s
        ``max_rounds``, ``fictitious_play`` and ``logit_dynamics``'s
        ``rounds``), most steps of an evolutionary dynamic
        (``replicator_dynamics``'s ``steps``, ``moran_process``'s
        ``max_steps``) and most points of a traced logit-QRE path
        (``n_steps``, ``lambdas``): ten million steps of a 2×2 game take
        minutes (some 2 for the replicator, 8 for the Moran process), and
        fictitious play and the evolutionary dynamics keep every step. Also the
        most pairs of supports ``support_enumeration`` tries, ``sum_k C(m, k)
        C(n, k)``: 2.7 million for a 12 × 12 game (some 30 s), 10.4 million
        for 13 × 13.
    """

    max_file_bytes: int = 4_000_000
    max_record_bytes: int = 64_000_000
    max_depth: int = 16
    max_rounds: int = 2_000
    max_steps: int = 14_000
    max_countries: int = 200
    max_targets: int = 8
    max_combinations: int = 6_561
    max_items: int = 10_000
    max_runs: int = 10_000_000
    max_result_bytes: int = 4_000_000_000
    max_workers: int = 256
    max_iterations: int = 10_000_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"limit `{f.name}` must be an int >= 1; got {v!r}.")

    def replace(self, **changes: Any) -> Limits:
        """A copy with some limits changed (unknown names raise ``ParameterError``)."""
        names = {f.name for f in dataclasses.fields(self)}
        for k in changes:
            if k not in names:
                raise ParameterError(f"unknown limit {k!r}; known: {', '.join(sorted(names))}.")
        return dataclasses.replace(self, **changes)


DEFAULT = Limits()
"""The default limits."""

_NAMES = frozenset(f.name for f in dataclasses.fields(Limits))

_ACTIVE: contextvars.ContextVar[Limits] = contextvars.ContextVar(
    "tariffsim_limits", default=DEFAULT
)


def current() -> Limits:
    """The limits in force (the defaults unless raised by :func:`override`)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def override(limits: Limits | None = None, **changes: Any) -> Iterator[Limits]:
    """Use other limits inside a ``with`` block (a :class:`Limits`, or changed fields).

    Raises
    ------
    ParameterError
        If a name is not a limit or a value is not an int >= 1.
    """
    if limits is not None and not isinstance(limits, Limits):
        raise ParameterError(
            f"`limits` must be a tariffsim.limits.Limits or None (changes go by name, "
            f"override(max_rounds=...)); got {limits!r}."
        )
    new = (limits or current()).replace(**changes)
    token = _ACTIVE.set(new)
    try:
        yield new
    finally:
        _ACTIVE.reset(token)


def check(name: str, value: int, what: str) -> None:
    """Raise :class:`~tariffsim.errors.LimitError` if ``value`` exceeds limit ``name``.

    Parameters
    ----------
    name : str
        A field of :class:`Limits`, e.g. ``"max_rounds"``.
    value : int
        The size asked for.
    what : str
        What is too large, for the message (e.g. ``"calendar.rounds"``).

    Examples
    --------
    >>> ts.limits.check("max_rounds", 10**9, "rounds")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffsim.errors.LimitError: rounds: 1000000000 exceeds the limit max_rounds = 2000 ...
    """
    if not one_of(name, _NAMES):
        raise ParameterError(f"unknown limit {name!r}; known: {', '.join(sorted(_NAMES))}.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise ParameterError(f"{what}: must be a number; got {value!r}.")
    cap = getattr(current(), name)
    if value > cap:
        raise LimitError(message(name, value, what))


def shown(value: int) -> str:
    """``value`` as a message shows it: in full up to 24 digits, else rounded to three
    significant digits as ``1.23e+399``.

    >>> shown(10**400), shown(-2 * 10**30 + 1), shown(-12)
    ('1.00e+400', '-2.00e+30', '-12')
    """
    sign = "-" if value < 0 else ""
    if not isinstance(value, numbers.Integral):  # (a float: as Python writes it)
        return sign + str(abs(value))
    a = abs(int(value))
    if a < 10**24:
        return sign + str(a)
    exp = int(math.log10(a))  # (no str(): Python refuses one of more than 4300 digits)
    while 10**exp > a:
        exp -= 1
    while 10 ** (exp + 1) <= a:
        exp += 1
    lead = (a // 10 ** (exp - 3) + 5) // 10  # 3 digits, the 4th rounded
    if lead == 1000:  # 9995... rounds up to the next power of ten
        lead, exp = 100, exp + 1
    digits = str(lead)
    return f"{sign}{digits[0]}.{digits[1:]}e+{exp}"


def message(name: str, value: int, what: str) -> str:
    """The text of a limit refusal: what, the value, the limit and how to raise it."""
    cap = getattr(current(), name)
    size = ""
    if name.endswith("_bytes") and _in_units(value) != _in_units(cap):  # at a glance
        size = f" ({_in_units(value)} against {_in_units(cap)})"
    return (
        f"{what}: {shown(value)} exceeds the limit {name} = {cap}{size} (raise it with "
        f"tariffsim.limits.override({name}=...) or `--limit {name}=...`)"
    )


def _in_units(n: int) -> str:
    """A number of bytes in kB, MB, GB or TB (powers of 1,000), three significant digits.

    >>> _in_units(114_080_000_000), _in_units(999), _in_units(999_500), _in_units(10**15)
    ('114 GB', '999 bytes', '1 MB', '1,000 TB')
    >>> _in_units(10**30), _in_units(10**400)
    ('1.00e+18 TB', '1.00e+400 bytes')
    """
    if abs(n) >= 10**300:  # beyond what a float divides
        return f"{shown(n)} bytes"
    units = (("bytes", 1), ("kB", 10**3), ("MB", 10**6), ("GB", 10**9), ("TB", 10**12))
    k = 0
    while k + 1 < len(units) and abs(n) >= units[k + 1][1]:
        k += 1
    x = n / units[k][1]
    if k + 1 < len(units) and abs(float(f"{x:.3g}")) >= 1000:  # 999.5 kB shows as 1 MB
        k, x = k + 1, n / units[k + 1][1]
    if k == 0:
        return f"{n} bytes"
    if abs(x) >= 10**6:
        return f"{x:.2e} {units[k][0]}"
    return f"{float(f'{x:.3g}'):,g} {units[k][0]}"
