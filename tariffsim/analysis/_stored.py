"""Checks shared by the readers of stored ensembles and summaries (``.npz`` and NetCDF).

A file :meth:`~tariffsim.analysis.ensemble.Ensemble.to_npz` or
:meth:`~tariffsim.analysis.summary.EnsembleSummary.to_npz` wrote holds labels
(the scenario's name, country codes, dyads, dates, the seed, scheduled events)
beside its arrays. A reader checks them here, so that what it returns can be
plotted, exported and written again; and it checks what the arrays will take in
memory against ``max_result_bytes`` (:mod:`tariffsim.limits`) before reading
them (a small compressed file can hold gigabytes of zeros).
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import limits
from .._util import one_of, short_repr
from ..errors import ParameterError
from ..schema import storable
from ..world import _dyad_key
from .runner import read_seed

Bad = Callable[[str], ParameterError]
_LAST_DAY = np.datetime64("9999-12-31")
Labels = tuple[
    str, tuple[str, ...], tuple[tuple[str, str], ...], Any, int, tuple[tuple[int, str], ...]
]
"""``(name, codes, dyads, dates, seed, scheduled events)`` of a stored ensemble."""


def npz_bytes(z: Any, names: Iterable[str] | None = None) -> int:
    """Bytes the arrays ``names`` (default all) of the open ``.npz`` ``z`` (a
    ``numpy.lib.npyio.NpzFile``) take once read, from their headers alone (nothing is
    decompressed)."""
    total = 0
    archive: zipfile.ZipFile = z.zip
    wanted = None if names is None else {f"{k}.npy" for k in names}
    for member in archive.namelist():
        if wanted is not None and member not in wanted:
            continue
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        total += int(np.prod(shape, dtype=object)) * dtype.itemsize
    return total


def check_npz_size(z: Any, where: str, names: Iterable[str] | None = None) -> None:
    """Raise LimitError if the arrays ``names`` (default all) of ``z`` would take more than
    ``max_result_bytes`` (an ensemble's reader weighs those :func:`tariffsim.ensemble`
    weighs, so that what it made reads back under the same limit)."""
    limits.check("max_result_bytes", npz_bytes(z, names), f"{where}: its arrays, read")


def checked_labels(
    bad: Bad,
    *,
    name: Any,
    codes: Sequence[Any],
    dyads: Sequence[Any],
    dates: Any,
    seed: Any,
    scheduled: Iterable[tuple[Any, Any]],
) -> Labels:
    """The labels of a stored ensemble, checked: ``(name, codes, dyads, dates, seed, events)``.

    ``name`` and the codes can be stored (:func:`tariffsim.schema.storable`: files from
    before names had to be labels read back); the codes are distinct, not blank, without
    ``"->"``; each dyad is ``"A->B"`` joining two different
    codes, once; the dates are dates (strings or ``datetime64``, not numbers) in the years
    1 to 9999 that increase round by round; the seed is an int >= 0, as :func:`tariffsim.ensemble`
    takes it (an integer, or its decimal text: :func:`~.runner.read_seed`); a scheduled
    event's round is one of the dates'.
    Anything else raises ``bad(what)``.
    """
    name = str(name)
    if not storable(name):  # (names written before they had to be labels still read back)
        raise bad(f"the scenario name {short_repr(name)} holds a NUL or a lone surrogate")
    codes_t = tuple(str(c) for c in codes)
    odd = [c for c in codes_t if not c.strip() or not storable(c) or "->" in c]
    if odd or len(set(codes_t)) != len(codes_t):
        raise bad(
            f"the country codes must be distinct, not blank, without '->' or a NUL; got "
            f"{short_repr(odd or list(codes_t))}"
        )
    pairs = checked_dyads(bad, dyads, codes_t)
    raw = np.asarray(dates)
    if raw.dtype.kind not in "USM":
        raise bad(f"the dates must be dates; got {raw.dtype} values")
    try:
        days = np.asarray(raw, dtype="datetime64[D]")
    except (TypeError, ValueError, OverflowError):
        raise bad(f"the dates must be dates; got {short_repr(raw.tolist()[:3])}") from None
    if days.ndim != 1 or np.isnat(days).any():
        raise bad("the dates must be one date per round")
    if len(days) and (days.min() < np.datetime64("0001-01-01") or days.max() > _LAST_DAY):
        # (dates no calendar of a scenario reaches: they could be neither plotted nor written)
        raise bad(f"the dates must lie in the years 1 to 9999; got {days.min()} to {days.max()}")
    if len(days) > 1 and not (np.diff(days) > np.timedelta64(0, "D")).all():
        raise bad("the dates must increase round by round")
    try:  # the seeds ts.ensemble takes (stored as an integer, or as text from 2**63 on)
        seed_i = read_seed(seed)
    except ParameterError:
        s = np.asarray(seed)  # (a stored seed is a 0-d array: its value is what to show)
        shown = s[()].item() if s.ndim == 0 and s.dtype.kind != "O" else seed
        raise bad(f"the seed must be an int >= 0; got {short_repr(shown)}") from None
    events = tuple((int(r), str(text)) for r, text in scheduled)
    if any(not 0 <= r < len(days) for r, _ in events):
        raise bad(f"a scheduled event's round is outside 0..{len(days) - 1}")
    return name, codes_t, pairs, days, seed_i, events


VARY_KINDS = ("none", "claims", "mapping", "claims+mapping")
"""What an ensemble's draws came from (``Ensemble.vary``, ``EnsembleSummary.vary``)."""


def checked_fields(
    bad: Bad,
    *,
    name: Any,
    codes: Any,
    dyads: Any,
    dates: Any,
    seed: Any,
    vary: Any,
    changes: Any,
    distributions: Any,
) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], Any, int, tuple[str, ...]]:
    """The labels an ensemble or a summary is constructed with, checked as a file's are
    (:func:`checked_labels`): ``(name, codes, dyads, dates, seed, changes)``. Dyads may be
    pairs or ``"A->B"``, dates ``datetime64``, ISO texts, ``datetime.date`` or pandas
    Timestamps; ``vary`` one of :data:`VARY_KINDS`, ``distributions`` a mapping. Anything
    else raises ``bad(what)``."""
    if not isinstance(name, str):
        raise bad(f"`name` must be a str; got {short_repr(name)}")
    if isinstance(codes, str) or not isinstance(codes, Sequence | np.ndarray):
        raise bad(f"`codes` must be a sequence of country codes; got {short_repr(codes)}")
    if not isinstance(distributions, Mapping):
        raise bad(
            f"`distributions` must be a mapping of names to distributions; got "
            f"{short_repr(distributions)}"
        )
    if not one_of(vary, VARY_KINDS):
        raise bad(f"`vary` must be one of {', '.join(VARY_KINDS)}; got {short_repr(vary)}")
    changes_t = checked_changes(bad, changes)
    raw = np.asarray(dates)
    if raw.dtype.kind == "O":  # (datetime.date or pandas Timestamps: dates as numpy's)
        with contextlib.suppress(TypeError, ValueError, OverflowError):  # (said below)
            raw = np.asarray(dates, dtype="datetime64[D]")
    try:
        pairs = [_dyad_key(d, "dyads") for d in dyads]
    except TypeError:
        raise bad(f"`dyads` must be a sequence of dyads; got {short_repr(dyads)}") from None
    name, codes_t, pairs_t, days, seed_i, _ = checked_labels(
        bad, name=name, codes=list(codes), dyads=[f"{a}->{b}" for a, b in pairs], dates=raw,
        seed=seed, scheduled=(),
    )  # fmt: skip
    return name, codes_t, pairs_t, days, seed_i, changes_t


def bad_at(where: str) -> Bad:
    """The error maker of a stored file's checks: ``where`` (the file), then what is wrong."""
    return lambda what: ParameterError(f"{where}: {what}.")


def checked_changes(bad: Bad, values: Any) -> tuple[str, ...]:
    """The what-ifs a file lists (:attr:`~tariffsim.scenario.Scenario.changes`): a list of
    texts, each without a NUL; ``bad(what)`` makes the error."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise bad(f"changes must be a list of texts; got {short_repr(values)}")
    out = tuple(values)
    if not all(isinstance(v, str) for v in out):
        raise bad(f"changes must be texts; got {short_repr(out)}")
    if not all(storable(v) for v in out):
        raise bad(f"changes must be texts without a NUL; got {short_repr(out)}")
    return out


def changes_from_json(bad: Bad, text: Any) -> tuple[str, ...]:
    """:func:`checked_changes` of a netCDF attribute (a JSON list; absent: none)."""
    import json

    try:
        values = json.loads(str(text))
    except (ValueError, RecursionError):  # (RecursionError: nested past Python's limit)
        raise bad(f"changes must be a JSON list of texts; got {short_repr(text)}") from None
    return checked_changes(bad, values)


def checked_dyads(
    bad: Bad, dyads: Sequence[Any], codes: tuple[str, ...], what: str = "dyad"
) -> tuple[tuple[str, str], ...]:
    """Stored dyad names (``"A->B"``), checked: each joins two different ``codes``, once.
    Anything else raises ``bad(what)``, naming ``what`` (``"dyad"``, ``"export-control dyad"``)."""
    pairs = [tuple(str(d).split("->")) for d in dyads]
    if any(len(p) != 2 for p in pairs):
        raise bad(f"{what}s are named 'A->B'; got {short_repr([str(d) for d in dyads])}")
    strange = [f"{a}->{b}" for a, b in pairs if a not in codes or b not in codes or a == b]
    if strange or len(set(pairs)) != len(pairs):
        raise bad(
            f"every {what} joins two of the countries {list(codes)}, once; got "
            f"{short_repr(strange or [str(d) for d in dyads])}"
        )
    return tuple((a, b) for a, b in pairs)


def checked_events(events: Any, rounds: int) -> tuple[tuple[int, str], ...]:
    """An ensemble's scheduled events, checked: ``(round, text)`` pairs, each round an int in
    ``0..rounds`` (the last round) and each text a str; else a ParameterError naming
    ``events`` (a chart would draw a round outside them at the last one)."""
    try:
        items = [tuple(e) for e in events]
    except TypeError:
        items = [()]
    bad = [
        e
        for e in items
        if len(e) != 2
        or isinstance(e[0], bool | np.bool_)
        or not isinstance(e[0], int | np.integer)
        or not 0 <= e[0] <= rounds
        or not isinstance(e[1], str)
    ]
    if bad:
        raise ParameterError(
            f"`events` must be (round, text) pairs, each round in 0..{rounds} and each text a "
            f"str; got {short_repr(bad[0] if bad[0] != () else events)}."
        )
    return tuple((int(r), str(t)) for r, t in items)


def other_kind(where: str, found: str, writer: str) -> ParameterError:
    """The error for a stored ``found`` (``"ensemble"`` or ``"summary"``) given to the other
    kind's reader, pointing at its own (``writer``: ``"to_npz"``, ``"to_netcdf"``,
    ``"to_xarray"``)."""
    reader = f"from_{writer.removeprefix('to_')}"
    if found == "summary":
        return ParameterError(
            f"{where} is an ensemble summary (keep='summary'), not an ensemble: read it with "
            f"ts.EnsembleSummary.{reader}."
        )
    return ParameterError(
        f"{where} is an ensemble (every run kept), not a summary: read it with "
        f"ts.Ensemble.{reader}."
    )


def in_range(bad: Bad, what: str, a: Any, lo: float, hi: float) -> None:
    """Raise ``bad`` unless every value of ``a`` lies in ``[lo, hi]``."""
    if a.size and not ((a >= lo) & (a <= hi)).all():
        raise bad(f"{what} must lie in [{lo:g}, {hi:g}]")


def check_positions(ds: Any, dims: Sequence[str], where: str) -> None:
    """Refuse a dataset whose ``dims`` coordinates are not ``0, 1, …`` in order.

    ``to_xarray`` numbers runs and rounds from 0; a dataset reordered or cut
    (``ds.isel(run=[5, 7])``, ``ds.sel(round=slice(3, None))``) would be read
    back renumbered — run ``k``'s seed and round ``r``'s date belong to the
    position — so it is refused, naming the coordinate.
    """
    for dim in dims:
        if dim not in ds.coords:
            continue
        got = np.asarray(ds[dim].values)
        if got.ndim != 1 or not np.array_equal(got, np.arange(got.size)):
            raise ParameterError(
                f"{where}: its {dim!r} coordinate is not 0, 1, … in order (got "
                f"{short_repr(got.tolist())}): a selection of {dim}s cannot be read back as "
                f"an ensemble, whose {dim} k is its k-th; read the whole dataset, then select."
            )
