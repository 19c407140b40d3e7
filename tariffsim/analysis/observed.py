"""Observed tariff paths: the public record of what governments did, with sources.

An observed path is a list of *measures*: on a date, an importer sets one
*layer* of its tariff on an exporter (a fentanyl/IEEPA duty, a "reciprocal"
duty, a targeted retaliation list …) to a level, citing the document that did
it. The file format is CSV with one measure per row::

    date,importer,exporter,layer,level,coverage,source,note
    2025-02-04,US,CN,fentanyl,0.10,all,"Executive Order 14195 …","…"

======== ==============================================================
column   meaning
======== ==============================================================
date     ISO date (``YYYY-MM-DD``) the level takes effect
importer country code of the country levying the tariff
exporter country code of the country whose goods are taxed
layer    name of the tariff layer (one level per layer at any time)
level    additional ad valorem rate as a fraction (1.25 = 125%), >= 0
coverage ``all`` (every good) or ``targeted`` (a list of goods); optional,
         default ``all``
source   the public document (executive order and Federal Register
         citation, announcement number, news release); required
note     free text; optional
======== ==============================================================

The **headline** tariff of a dyad on a date is the sum of the levels of its
``all``-coverage layers in force that day — the number news stories quote
(145% = 20% fentanyl + 125% reciprocal). Targeted layers are kept in the
record but do not enter the headline (pass ``targeted=True`` to add the
highest targeted rate in force, an upper bound on the goods it covers).

The bundled record ``us-china-2025`` (``tariffsim/data/observed/us-china-2025.csv``)
holds the 2025 measures of the US, China, Canada and Mexico on each other
that tariffsim can source; ``docs/analysis.md`` says where it is uncertain.

Examples
--------
>>> obs = ts.observed.load("us-china-2025")
>>> obs
<ObservedPath us-china-2025: 18 measures, 5 dyads, 2025-02-04..2025-11-10>
>>> import datetime as dt
>>> float(obs.level_on("US", "CN", dt.date(2025, 4, 21)))
1.45
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._io import exists, is_file, is_folder, read_text_input
from .._util import as_date, frozen_array, literal_text, short_repr
from ..errors import MissingExtraError, ParameterError, UnknownNameError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["COLUMNS", "Measure", "ObservedPath", "list_observed", "load", "parse"]

COLUMNS = ("date", "importer", "exporter", "layer", "level", "coverage", "source", "note")
"""Columns of an observed-path CSV file (``coverage`` and ``note`` are optional)."""
_REQUIRED = ("date", "importer", "exporter", "layer", "level", "source")
COVERAGES = ("all", "targeted")
_MAX_LEVEL = 10.0  # 1,000%: no tariff in the record comes near; guards typos like 145 for 1.45


@dataclass(frozen=True, slots=True)
class Measure:
    """One row of an observed path: a layer of a tariff set to a level on a date.

    Parameters
    ----------
    date : datetime.date
        Date the level takes effect.
    importer, exporter : str
        Country codes (importer levies the tariff on the exporter's goods).
    layer : str
        Name of the layer (one level per layer at any time).
    level : float
        Additional ad valorem rate as a fraction, finite and >= 0.
    coverage : {"all", "targeted"}
        Whether the layer covers every good or a list of goods.
    source : str
        The public document behind the measure.
    note : str
        Free text.
    """

    date: dt.date
    importer: str
    exporter: str
    layer: str
    level: float
    coverage: str = "all"
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class ObservedPath:
    """A public record of tariff measures (see the module docs for the format).

    Build one with :func:`load` or :func:`parse`; every row is validated.

    Attributes
    ----------
    name : str
        Name of the record (file stem for a file).
    measures : tuple of Measure
        In date order (stable for rows with the same date).
    """

    name: str
    measures: tuple[Measure, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    # -- structure --------------------------------------------------------------
    @property
    def dyads(self) -> tuple[tuple[str, str], ...]:
        """``(importer, exporter)`` pairs with at least one measure, in first-seen order."""
        seen: dict[tuple[str, str], None] = {}
        for m in self.measures:
            seen.setdefault((m.importer, m.exporter), None)
        return tuple(seen)

    @property
    def start(self) -> dt.date:
        """Date of the first measure."""
        return self.measures[0].date

    @property
    def end(self) -> dt.date:
        """Date of the last measure."""
        return self.measures[-1].date

    def __len__(self) -> int:
        return len(self.measures)

    def __repr__(self) -> str:
        return (
            f"<ObservedPath {self.name}: {len(self)} measures, {len(self.dyads)} dyads, "
            f"{self.start}..{self.end}>"
        )

    def _check_dyad(self, importer: str, exporter: str) -> None:
        if (importer, exporter) not in self.dyads:
            known = ", ".join(f"{a}-{b}" for a, b in self.dyads)
            raise UnknownNameError(
                f"the record {self.name!r} has no measure of {importer} on {exporter}; "
                f"dyads: {known}."
            )

    def layers(self, importer: str, exporter: str) -> tuple[str, ...]:
        """Names of the dyad's layers, in first-seen order."""
        self._check_dyad(importer, exporter)
        seen: dict[str, None] = {}
        for m in self.measures:
            if (m.importer, m.exporter) == (importer, exporter):
                seen.setdefault(m.layer, None)
        return tuple(seen)

    # -- levels -----------------------------------------------------------------
    def steps(
        self, importer: str, exporter: str, *, targeted: bool = False
    ) -> tuple[NDArray[Any], NDArray[np.float64]]:
        """Headline tariff of a dyad as a step function: ``(dates, levels)``.

        ``levels[k]`` is in force from ``dates[k]`` up to (not including)
        ``dates[k + 1]``; before ``dates[0]`` the level is 0.

        Examples
        --------
        >>> d, v = ts.observed.load("us-china-2025").steps("US", "CN")
        >>> [str(x) for x in d[:3]], v[:3].round(12).tolist()
        (['2025-02-04', '2025-03-04', '2025-04-05'], [0.1, 0.2, 0.3])
        """
        self._check_dyad(importer, exporter)
        rows = [m for m in self.measures if (m.importer, m.exporter) == (importer, exporter)]
        dates = sorted({m.date for m in rows})
        levels = [self._headline(rows, d, targeted) for d in dates]
        return (
            frozen_array(np.array(dates, dtype="datetime64[D]"), "datetime64[D]"),
            frozen_array(levels),
        )

    @staticmethod
    def _headline(rows: Sequence[Measure], when: dt.date, targeted: bool) -> float:
        current: dict[str, Measure] = {}
        for m in rows:  # date order: a later row replaces its layer's level
            if m.date <= when:
                current[m.layer] = m
        parts = [m.level for m in current.values() if m.coverage == "all"]
        if targeted:
            parts.append(max((m.level for m in current.values() if m.coverage != "all"), default=0))
        return math.fsum(parts)  # correctly rounded: 0.2 + 1.25 gives 1.45

    def level_on(
        self, importer: str, exporter: str, when: dt.date | str, *, targeted: bool = False
    ) -> float:
        """Headline tariff of a dyad in force on a date (fraction)."""
        self._check_dyad(importer, exporter)
        d = as_date(when, "when")
        rows = [m for m in self.measures if (m.importer, m.exporter) == (importer, exporter)]
        return self._headline(rows, d, targeted)

    def headline(
        self, importer: str, exporter: str, on: Any, *, targeted: bool = False
    ) -> NDArray[np.float64]:
        """Headline tariff of a dyad resampled onto dates, shape ``(T,)``.

        Parameters
        ----------
        importer, exporter : str
        on : Game, Scenario, Path, PathBatch or array-like of dates
            The dates to sample: a game's or scenario's round dates (round 0
            to ``game.rounds``), a path's ``dates``, or any dates. The value
            on date ``d`` is the level of the last measure dated on or before
            ``d`` — the same convention as the engine, where an event dated
            inside a round is in force in the state recorded at the round's
            end.
        targeted : bool
            Add the highest targeted rate in force (default: headline only).

        Returns
        -------
        ndarray of float, shape (T,)
            Read-only.

        Examples
        --------
        >>> sc = ts.load_scenario("us-china-145")
        >>> us = ts.observed.load("us-china-2025").headline("US", "CN", sc)
        >>> us.shape, float(us.max())
        ((31,), 1.45)
        """
        dates = round_dates(on)
        sdates, levels = self.steps(importer, exporter, targeted=targeted)
        k = np.searchsorted(sdates, dates, side="right") - 1
        out = np.where(k >= 0, levels[np.clip(k, 0, None)], 0.0)
        return frozen_array(out)

    @classmethod
    def from_path(
        cls,
        path: Any,
        dyads: Sequence[tuple[str, str]] | None = None,
        *,
        name: str = "",
    ) -> ObservedPath:
        """A record of a simulated :class:`~tariffsim.Path`: one measure per change of level.

        Used to test calibration on a record the model produced itself. Each
        dyad becomes one layer ``"simulated"`` with a measure at every round
        date where its headline tariff changes (and at round 0).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> syn = ts.observed.ObservedPath.from_path(p, [("US", "CN")])
        >>> bool(np.array_equal(syn.headline("US", "CN", p), p.series("US", "CN")))
        True
        """
        if dyads is None:
            from ..plotting import _active_dyads

            dyads = _active_dyads(path)
        src = f"simulated: {path.meta.get('scenario', '')} seed {path.meta.get('seed')}"
        measures = []
        for a, b in dyads:
            s = np.asarray(path.series(a, b), dtype=float)
            for r in range(len(s)):
                if r == 0 or s[r] != s[r - 1]:
                    when = path.dates[r].astype(dt.date)
                    measures.append(Measure(when, a, b, "simulated", float(s[r]), "all", src))
        if not measures:
            raise ParameterError("`dyads` is empty: nothing to record.")
        measures.sort(key=lambda m: m.date)
        return cls(name=name or f"{path.meta.get('scenario', 'path')}-simulated",
                   measures=tuple(measures))  # fmt: skip

    # -- tables -----------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        """The measures as plain dicts (columns :data:`COLUMNS`)."""
        return [
            {
                "date": str(m.date),
                "importer": m.importer,
                "exporter": m.exporter,
                "layer": m.layer,
                "level": m.level,
                "coverage": m.coverage,
                "source": m.source,
                "note": m.note,
            }
            for m in self.measures
        ]

    def to_frame(self) -> Any:
        """The measures as a pandas DataFrame (one row per measure, ``date`` as dates).

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'tariffsim[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "ObservedPath.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        df = pd.DataFrame(self.rows(), columns=list(COLUMNS))
        df["date"] = pd.to_datetime(df["date"])
        return df

    def table(self, width: int = 100) -> str:
        """The measures as text: date, dyad, layer, level (%), coverage, source."""
        lines = [f"{'date':<10}  {'dyad':<6}  {'layer':<13}  {'level %':>7}  {'cover':<8}  source"]
        for m in self.measures:
            line = (
                f"{m.date!s:<10}  {m.importer}-{m.exporter:<3}  {m.layer:<13}  "
                f"{100 * m.level:>7.1f}  {m.coverage:<8}  {m.source}"
            )
            lines.append(line if len(line) <= width else line[: width - 1] + "…")
        return "\n".join(lines)

    def to_csv(self, path: str | FsPath | None = None) -> str:
        """The record in the CSV format :func:`load` reads (round trip is exact)."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
        w.writeheader()
        for r in self.rows():
            w.writerow({**r, "level": repr(r["level"])})
        text = buf.getvalue()
        if path is not None:
            from ..path import _atomic_write

            _atomic_write(path, text)
        return text

    # -- plots ------------------------------------------------------------------
    @literal_text
    def plot(
        self,
        *,
        ax: Axes | None = None,
        dyads: Sequence[tuple[str, str]] | None = None,
        targeted: bool = False,
        until: dt.date | str | None = None,
        codes: Sequence[str] | None = None,
    ) -> Axes:
        """Draw the headline steps of dyads on (a simulated path's) axes.

        The axes conventions are those of :meth:`tariffsim.Path.plot`: dates
        on x, headline tariff in % on y. Observed steps are drawn dashed,
        with a dot at every change, in the colour of the country each tariff
        hits (:func:`tariffsim.plotting.country_colours`) — pass the path's
        ``codes`` to match its colours.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        dyads : list of (str, str), optional
            Default: every dyad of the record.
        targeted : bool
            Draw the headline plus the highest targeted rate.
        until : date, optional
            Last date drawn (default: the x-limit of ``ax`` if it has data,
            else 30 days after the last measure).
        codes : sequence of str, optional
            The world's country codes, whose places give the colours (a path's
            ``codes``); default: the record's countries in order of appearance.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from ..plotting import _new_axes

        given = ax is not None
        ax = _new_axes(ax)
        had_data = given and ax.has_data()
        dyads = list(self.dyads if dyads is None else dyads)
        if until is not None:
            end = np.datetime64(as_date(until, "until"), "D")
        elif had_data:
            import matplotlib.dates as mdates

            end = np.datetime64(mdates.num2date(ax.get_xlim()[1]).date(), "D")
        else:
            end = np.datetime64(self.end, "D") + np.timedelta64(30, "D")
        from ..plotting import country_colours

        if codes is None:
            codes = list(dict.fromkeys(c for dy in self.dyads for c in dy))
        colour = country_colours(codes, list(dyads))
        top = 0.0
        for a, b in dyads:
            d, v = self.steps(a, b, targeted=targeted)
            keep = d <= end
            d, v = d[keep], v[keep]
            xs = np.concatenate([d, [end]]).astype("datetime64[D]").astype(object)
            ys = 100 * np.concatenate([v, v[-1:] if len(v) else [0.0]])
            ax.step(
                xs,
                ys,
                where="post",
                ls="--",
                lw=1.4,
                color=colour[(a, b)],
                label=f"{a} tariff on {b} (observed)",
            )
            ax.plot(xs[:-1], ys[:-1], "o", ms=3, color=colour[(a, b)])
            top = max(top, float(ys.max()) if len(ys) else 0.0)
        hi = ax.get_ylim()[1]
        ax.set_ylim(0, max(hi, top * 1.1 + 1))
        if not had_data:
            from ..plotting import _date_axis

            ax.set_ylabel("headline tariff (%)")
            ax.set_xlabel("date")
            ax.set_title(f"{self.name} (observed)")
            ax.grid(True, alpha=0.3)
            _date_axis(ax)  # (matplotlib's default ran a year of dates together)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False)
        return ax


# ---------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------
def round_dates(on: Any) -> NDArray[Any]:
    """Dates of ``on`` as ``datetime64[D]``: a Game's/Scenario's rounds, a path's dates, or dates.

    Examples
    --------
    >>> from tariffsim.analysis.observed import round_dates
    >>> round_dates(ts.load_scenario("us-china-145"))[:2]
    array(['2025-01-27', '2025-02-03'], dtype='datetime64[D]')
    """
    game = getattr(on, "game", on)
    if hasattr(game, "round_days") and hasattr(game, "start") and hasattr(game, "rounds"):
        return np.array([game.date(r) for r in range(game.rounds + 1)], dtype="datetime64[D]")
    dates = getattr(on, "dates", on)
    try:
        arr = np.asarray(dates, dtype="datetime64[D]")
    except (TypeError, ValueError):
        raise ParameterError(
            "`on` must be a Game, Scenario, Path, PathBatch or a sequence of dates; "
            f"got {type(on).__name__}."
        ) from None
    if arr.ndim != 1 or np.isnat(arr).any():
        raise ParameterError("`on` must be a 1-d sequence of valid dates.")
    return arr


# ---------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------
def list_observed() -> list[str]:
    """Names of the bundled observed records.

    Examples
    --------
    >>> ts.observed.list_observed()
    ['us-china-2025']
    """
    folder = resources.files("tariffsim") / "data" / "observed"
    return sorted(p.name[: -len(".csv")] for p in folder.iterdir() if p.name.endswith(".csv"))


def load(name_or_path: str | FsPath) -> ObservedPath:
    """Load a bundled record by name, or a CSV file by path, validating every row.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A name from :func:`list_observed` or the path of a CSV file in the
        format of the module docs.

    Returns
    -------
    ObservedPath

    Raises
    ------
    UnknownNameError
        An unknown name that is not an existing file.
    ParameterError
        A malformed file: the message names the row (1 = the header) and the
        column at fault, and the value found.

    Examples
    --------
    >>> obs = ts.observed.load("us-china-2025")
    >>> obs.dyads[:2]
    (('US', 'CN'), ('CN', 'US'))
    """
    text: str
    src = str(name_or_path)
    bundled = list_observed()
    if not isinstance(name_or_path, FsPath) and src in bundled:
        res = resources.files("tariffsim") / "data" / "observed" / f"{src}.csv"
        text, name = res.read_text(encoding="utf-8"), src
    else:
        p = FsPath(src)
        if not is_file(p) and is_folder(p):
            raise ParameterError(f"observed record {short_repr(src)} is a folder, not a file.")
        if not is_file(p) and exists(p):  # a device, a named pipe: reading it could block
            raise ParameterError(
                f"observed record {short_repr(src)} is not a regular file (a device, a pipe or "
                "a socket); give a .csv file."
            )
        if not is_file(p):
            raise UnknownNameError(
                f"observed record {short_repr(src)} is neither a bundled record "
                f"({', '.join(bundled)}) nor an existing file."
            )
        text = read_text_input(p, kind="observed record")  # within the size limit, strict UTF-8
        return parse(text, name=p.stem, source=f"observed record {short_repr(src)}")
    return parse(text, name=name)


def parse(
    text_or_rows: str | Iterable[Mapping[str, Any]],
    *,
    name: str = "<rows>",
    source: str | None = None,
) -> ObservedPath:
    """Build an :class:`ObservedPath` from CSV text or row mappings, validating every row.

    Parameters
    ----------
    text_or_rows : str or iterable of mappings
        CSV text with a header row, or mappings with the keys of :data:`COLUMNS`.
    name : str
        Name of the record (used in messages).
    source : str, optional
        What messages call the input instead of ``name`` (:func:`load` gives the file's path).

    Raises
    ------
    ParameterError
        Naming the row (1 = the header line of a CSV text) and the column.

    Examples
    --------
    >>> try:
    ...     row = {"date": "2025-02-04", "importer": "US", "exporter": "CN",
    ...            "layer": "fentanyl", "level": "-1", "source": "EO 14195"}
    ...     ts.observed.parse([row], name="x")
    ... except ts.ParameterError as e:
    ...     print(e)
    x row 2, column 'level': must be a finite number >= 0 (a fraction, <= 10); got '-1'.
    """
    where = name if source is None else source
    if isinstance(text_or_rows, str):
        try:  # (a BOM is no column)
            return _parse_csv(text_or_rows.removeprefix("\ufeff"), name, where)
        except csv.Error as e:  # a field over the csv module's limit, a NUL byte, ...
            raise ParameterError(f"{where}: not a readable CSV record ({e}).") from None
    if isinstance(text_or_rows, str | bytes) or not isinstance(text_or_rows, Iterable):
        raise ParameterError(
            f"`text_or_rows` must be CSV text or mappings of the columns; got "
            f"{short_repr(text_or_rows)}."
        )
    rows: list[Mapping[str, Any]] = []
    for k, r in enumerate(text_or_rows):
        if not isinstance(r, Mapping):
            raise ParameterError(
                f"{where} row {k + 2}: must be a mapping of the columns; got {short_repr(r)}."
            )
        rows.append(dict(r))
    return _from_rows(rows, name, where)


def _parse_csv(text: str, record: str, name: str) -> ObservedPath:
    """:func:`parse` of CSV text: the record ``record``, which messages name ``name``."""
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ParameterError(
            f"{name} row 1 (header): missing column(s) {', '.join(missing)}; "
            f"columns are {', '.join(COLUMNS)}."
        )
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ParameterError(
            f"{name} row 1 (header): unknown column(s) {', '.join(map(repr, unknown))}; "
            f"columns are {', '.join(COLUMNS)}."
        )
    return _from_rows(list(reader), record, name)


def _from_rows(rows: list[Mapping[str, Any]], record: str, name: str) -> ObservedPath:
    """:func:`parse` of row mappings: the record ``record``, which messages name ``name``."""
    if not rows:
        raise ParameterError(f"{name}: the record has no rows.")
    measures = [_measure(r, k + 2, name) for k, r in enumerate(rows)]
    seen: dict[tuple[Any, ...], int] = {}
    for k, m in enumerate(measures):
        key = (m.date, m.importer, m.exporter, m.layer)
        if key in seen:
            raise ParameterError(
                f"{name} row {k + 2}: layer {m.layer!r} of {m.importer} on {m.exporter} is "
                f"set twice on {m.date} (also row {seen[key]})."
            )
        seen[key] = k + 2
    order = sorted(range(len(measures)), key=lambda k: measures[k].date)
    return ObservedPath(name=record, measures=tuple(measures[k] for k in order))


def _measure(row: Mapping[str, Any], rowno: int, name: str) -> Measure:
    def bad(col: str, rule: str) -> ParameterError:
        return ParameterError(f"{name} row {rowno}, column {col!r}: {rule}; got {row.get(col)!r}.")

    extra = [c for c in row if c not in COLUMNS and c is not None]
    if extra or None in row:
        raise ParameterError(
            f"{name} row {rowno}: unexpected field(s) {extra or ['(extra value)']}; "
            f"columns are {', '.join(COLUMNS)}."
        )
    for col in _REQUIRED:
        v = row.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise bad(col, "is required")
    raw_date = row["date"]
    if isinstance(raw_date, dt.date) and not isinstance(raw_date, dt.datetime):
        date = raw_date
    else:
        try:
            date = dt.date.fromisoformat(str(raw_date).strip())
        except ValueError:
            raise bad("date", "must be an ISO date YYYY-MM-DD") from None
    codes = {}
    for col in ("importer", "exporter"):
        v = str(row[col]).strip()
        if not (v.isascii() and v.isalpha() and v.isupper() and 2 <= len(v) <= 3):
            raise bad(col, "must be a country code of 2-3 capital letters")
        codes[col] = v
    if codes["importer"] == codes["exporter"]:
        raise bad("exporter", "must differ from the importer")
    try:
        level = float(row["level"])
    except (TypeError, ValueError):
        raise bad(
            "level", f"must be a finite number >= 0 (a fraction, <= {_MAX_LEVEL:g})"
        ) from None
    if not (math.isfinite(level) and 0 <= level <= _MAX_LEVEL):
        raise bad("level", f"must be a finite number >= 0 (a fraction, <= {_MAX_LEVEL:g})")
    coverage = str(row.get("coverage") or "all").strip()
    if coverage not in COVERAGES:
        raise bad("coverage", f"must be one of {', '.join(COVERAGES)}")
    return Measure(
        date=date,
        importer=codes["importer"],
        exporter=codes["exporter"],
        layer=str(row["layer"]).strip(),
        level=level,
        coverage=coverage,
        source=str(row["source"]).strip(),
        note=str(row.get("note") or "").strip(),
    )
