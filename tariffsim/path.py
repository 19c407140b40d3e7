"""The result of a run: an immutable :class:`Path` of per-round arrays.

Simulations and equilibrium paths both return a ``Path``, so everything a
user does with one (tables, CSV/JSON, the per-term breakdown, plots) works on
the other.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._util import frozen_array as _ro
from .errors import ParameterError, UnknownNameError
from .payoffs import TERMS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ARRAY_FIELDS", "STATE_FIELDS", "DyadSeries", "Path"]

ARRAY_FIELDS = (
    "tariff",
    "effective",
    "control",
    "moves",
    "terms",
    "payoff",
    "recession",
    "approval",
    "drawdown",
    "burden",
    "perceived_pass_through",
)
"""The per-round array fields of a :class:`Path`, each with a leading round axis."""

STATE_FIELDS = ("layers", "equity", "bond", "tie_loss", "grievance")
"""Optional per-round state fields of a :class:`Path` (``None`` when not recorded):
``layers`` ``(R, L, n, n)``, ``equity``/``bond`` ``(R, n)``, ``tie_loss``/``grievance``
``(R, n, n)``."""


class DyadSeries(np.ndarray):
    """A read-only ``(R, n, n)`` array that can also be called by country codes.

    ``path.effective`` is the array of effective tariffs; ``path.effective("US",
    "CN")`` is the ``(R,)`` series of one dyad.
    """

    _codes: tuple[str, ...] = ()

    def __array_finalize__(self, obj: Any) -> None:
        self._codes = getattr(obj, "_codes", ())

    def __call__(self, importer: str, exporter: str) -> NDArray[np.float64]:
        """The series of dyad ``(importer, exporter)``, shape ``(R,)``."""
        for c in (importer, exporter):
            if c not in self._codes:
                raise UnknownNameError(f"unknown country {c!r}; known: {', '.join(self._codes)}.")
        out = np.asarray(self)[:, self._codes.index(importer), self._codes.index(exporter)]
        return out


Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Path:
    """Per-round record of a run (row 0 is the starting state).

    Attributes
    ----------
    codes : tuple of str
        Country codes, the order of every country axis.
    dates : ndarray of datetime64[D], shape (R,)
    tariff, effective, control : ndarray, shape (R, n, n)
        Headline and effective tariffs, export controls, after each round.
    moves : ndarray of int, shape (R, n, n)
        The move each agent made on each dyad that round (0 in row 0).
    terms : ndarray, shape (R, len(TERMS), n)
        Weighted payoff of each term (% of GDP), true parameters.
    payoff : ndarray, shape (R, n)
        Total payoff per country per round.
    recession, approval, drawdown, burden : ndarray, shape (R, n)
        Indicators: recession odds, approval (fraction), equity drawdown
        (index %), economic burden (% of GDP).
    perceived_pass_through : ndarray, shape (R, n, n)
        Each row ``i`` is agent ``i``'s belief about its own dyads.
    events : tuple of (int, str)
        ``(round, label)`` of every event that fired.
    meta : mapping
        Scenario name, seed, solver, …
    layers : ndarray, shape (R, L, n, n), optional
        Level of each tariff layer (``layer_names``) on each dyad.
    equity, bond : ndarray, shape (R, n), optional
        Equity index (% from its start) and bond stress (points) per country.
    tie_loss, grievance : ndarray, shape (R, n, n), optional
        Share of each alliance tie eroded; remembered grievances.
    layer_names : tuple of str
        Names of the rows of ``layers``.
    hit_share : ndarray, shape (L, n, n), optional
        Share of each dyad's trade each layer hits (coverage net of
        exemptions; :attr:`~tariffsim.world.World.hit_share`).
    """

    codes: tuple[str, ...]
    dates: NDArray[Any]
    tariff: Array
    effective: Array
    control: Array
    moves: NDArray[np.int64]
    terms: Array
    payoff: Array
    recession: Array
    approval: Array
    drawdown: Array
    burden: Array
    perceived_pass_through: Array
    events: tuple[tuple[int, str], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    layers: Array | None = None
    equity: Array | None = None
    bond: Array | None = None
    tie_loss: Array | None = None
    grievance: Array | None = None
    layer_names: tuple[str, ...] = ()
    hit_share: Array | None = None

    def __post_init__(self) -> None:
        for name in ARRAY_FIELDS:
            dtype = np.int64 if name == "moves" else float
            object.__setattr__(self, name, _ro(getattr(self, name), dtype))
        eff = self.effective.view(DyadSeries)
        eff._codes = tuple(self.codes)
        object.__setattr__(self, "effective", eff)
        for name in (*STATE_FIELDS, "hit_share"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _ro(getattr(self, name)))
        object.__setattr__(self, "layer_names", tuple(self.layer_names))
        object.__setattr__(self, "dates", _ro(self.dates, "datetime64[D]"))
        object.__setattr__(self, "codes", tuple(self.codes))

    # -- basics -----------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    @property
    def rounds(self) -> NDArray[np.int64]:
        """Round numbers ``0 .. R-1``."""
        return np.arange(len(self))

    def _i(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise UnknownNameError(
                f"unknown country {code!r}; known: {', '.join(self.codes)}."
            ) from None

    def series(self, importer: str, exporter: str, *, effective: bool = False) -> Array:
        """Tariff of ``importer`` on ``exporter`` per round (fraction).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> float(p.series("US", "CN").max())
        1.45
        """
        src = self.effective if effective else self.tariff
        return src[:, self._i(importer), self._i(exporter)]

    def headline(self, importer: str, exporter: str) -> Array:
        """Headline tariff of ``importer`` on ``exporter`` per round: the sum of its
        layers, the rate a good hit by every layer pays (fraction)."""
        return self.series(importer, exporter)

    def _layer_row(self, layer: str) -> int:
        if self.layers is None or layer not in self.layer_names:
            raise UnknownNameError(
                f"unknown tariff layer {layer!r}; "
                f"layers: {', '.join(self.layer_names) or '(none recorded)'}."
            )
        return self.layer_names.index(layer)

    def tariffs(self, importer: str, exporter: str, *, layer: str | None = None) -> Array:
        """One layer's rate on a dyad per round (the headline without ``layer``).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> float(p.tariffs("US", "CN", layer="fentanyl").max())
        0.2
        """
        if layer is None:
            return self.headline(importer, exporter)
        k = self._layer_row(layer)
        assert self.layers is not None
        return self.layers[:, k, self._i(importer), self._i(exporter)]

    def coverage(self, importer: str, exporter: str) -> Array:
        """Share of ``exporter``'s exports to ``importer`` hit by a tariff, per round.

        The widest hit share among the layers in force (layers are nested:
        :attr:`~tariffsim.world.World.segments`), net of exemptions.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> round(float(p.coverage("CN", "US")[3]), 2)  # February: the targeted list only
        0.29
        """
        i, j = self._i(importer), self._i(exporter)
        if self.layers is None or self.hit_share is None:
            return (self.tariff[:, i, j] > 0).astype(float)
        on = self.layers[:, :, i, j] > 0
        return np.where(on, self.hit_share[None, :, i, j], 0.0).max(axis=1)

    def peak(self, importer: str, exporter: str) -> float:
        """Highest headline tariff reached on a dyad."""
        return float(self.series(importer, exporter).max())

    def breakdown(self, country: str | None = None) -> dict[str, Array]:
        """Weighted payoff terms, % of GDP.

        Parameters
        ----------
        country : str, optional
            A country code: return ``{term: (R,) array}``. Without it, return
            ``{term: (R, n) array}`` for every country.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> bd = p.breakdown("US")
        >>> sorted(bd)[:3]
        ['alliance', 'approval', 'coalition']
        """
        if country is None:
            return {t: self.terms[:, k, :] for k, t in enumerate(TERMS)}
        i = self._i(country)
        return {t: self.terms[:, k, i] for k, t in enumerate(TERMS)}

    # -- tables -----------------------------------------------------------------
    def players(self) -> tuple[str, ...]:
        """Codes of the countries whose tariffs ever moved or who moved."""
        moved = (np.abs(self.tariff).sum(axis=(0, 2)) > 0) | (
            np.abs(self.moves).sum(axis=(0, 2)) > 0
        )
        out = tuple(c for c, m in zip(self.codes, moved, strict=True) if m)
        return out or self.codes

    def rows(self, dyads: list[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
        """One dict per round: date, tariffs (%), indicators and payoffs.

        Columns: ``round``, ``date``, ``{A}->{B} %`` for each dyad (default:
        every dyad whose tariff is ever positive), ``{C} recession %`` and
        ``{C} payoff`` for each player, ``{C} approval %`` for the US when
        present.
        """
        if dyads is None:
            dyads = [
                (a, b)
                for a in self.codes
                for b in self.codes
                if a != b and self.tariff[:, self._i(a), self._i(b)].max() > 0
            ]
        players = self.players()
        out = []
        for r in range(len(self)):
            row: dict[str, Any] = {"round": r, "date": str(self.dates[r])}
            for a, b in dyads:
                row[f"{a}->{b} %"] = round(100 * float(self.tariff[r, self._i(a), self._i(b)]), 2)
            for c in players:
                row[f"{c} recession %"] = round(100 * float(self.recession[r, self._i(c)]), 1)
            if "US" in self.codes:
                row["US approval %"] = round(100 * float(self.approval[r, self._i("US")]), 1)
            for c in players:
                row[f"{c} payoff"] = round(float(self.payoff[r, self._i(c)]), 4)
            out.append(row)
        return out

    def table(self, dyads: list[tuple[str, str]] | None = None, *, width: int = 100) -> str:
        """The per-round table as text (see :meth:`rows`), fitted to ``width``."""
        rows = self.rows(dyads)
        if not rows:
            return ""
        cols = list(rows[0])
        short = {
            c: c.replace(" recession %", " rec%")
            .replace(" approval %", " appr%")
            .replace(" payoff", " pay")
            for c in cols
        }
        widths = {c: max(len(short[c]), *(len(_fmt(r[c])) for r in rows)) for c in cols}
        lines = ["  ".join(short[c].rjust(widths[c]) for c in cols)]
        for r in rows:
            lines.append("  ".join(_fmt(r[c]).rjust(widths[c]) for c in cols))
        if max(len(x) for x in lines) > width:
            # drop the payoff columns first, then the recession ones, to fit
            for suffix in (" payoff", " recession %"):
                keep = [c for c in cols if not c.endswith(suffix)]
                if keep != cols:
                    cols = keep
                    lines = ["  ".join(short[c].rjust(widths[c]) for c in cols)]
                    lines += ["  ".join(_fmt(r[c]).rjust(widths[c]) for c in cols) for r in rows]
                    if max(len(x) for x in lines) <= width:
                        break
        return "\n".join(lines)

    def __repr__(self) -> str:
        name = self.meta.get("scenario", "")
        return (
            f"<Path {name} {len(self)} rounds {self.dates[0]}..{self.dates[-1]}, "
            f"countries {', '.join(self.players())}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: key rounds of the table and a small inline plot."""
        import html

        rows = self.rows()
        keep = sorted({0, len(rows) - 1, *_turning_points(self)})
        cols = list(rows[0])
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(rows[r][c]))}</td>" for c in cols) + "</tr>"
            for r in keep
        )
        img = ""
        try:
            import base64
            import io as _io

            from matplotlib.figure import Figure

            from .plotting import plot_path

            fig = Figure(figsize=(6.5, 3), layout="constrained")
            plot_path(self, ax=fig.add_subplot(), recession=False)
            buf = _io.BytesIO()
            fig.savefig(buf, format="png", dpi=80)
            img = (
                '<img src="data:image/png;base64,'
                + base64.b64encode(buf.getvalue()).decode()
                + '"/>'
            )
        except Exception:  # a plot must never break the table view
            img = ""
        return (
            f"<div><b>{html.escape(repr(self))}</b><br/>"
            f"<small>first, last and turning-point rounds</small>"
            f"<table><tr>{head}</tr>{body}</table>{img}</div>"
        )

    def to_frame(self) -> Any:
        """The per-round table (:meth:`rows`) as a pandas DataFrame indexed by date.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install tariffsim[pandas]``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Path.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        return pd.DataFrame(self.rows()).set_index("date")

    to_pandas = to_frame

    # -- export -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dict of every array (JSON-ready)."""
        return {
            "meta": dict(self.meta),
            "codes": list(self.codes),
            "terms": list(TERMS),
            "dates": [str(d) for d in self.dates],
            "tariff": self.tariff.tolist(),
            "effective": self.effective.tolist(),
            "control": self.control.tolist(),
            "moves": self.moves.tolist(),
            "term_payoffs": self.terms.tolist(),
            "payoff": self.payoff.tolist(),
            "recession": self.recession.tolist(),
            "approval": self.approval.tolist(),
            "drawdown": self.drawdown.tolist(),
            "burden": self.burden.tolist(),
            "perceived_pass_through": self.perceived_pass_through.tolist(),
            "events": [list(e) for e in self.events],
            "layer_names": list(self.layer_names),
            **{
                k: getattr(self, k).tolist()
                for k in (*STATE_FIELDS, "hit_share")
                if getattr(self, k) is not None
            },
        }

    def to_json(self, path: str | FsPath | None = None) -> str:
        """The path as JSON; written to ``path`` when given. Returns the text."""
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        if path is not None:
            _atomic_write(path, text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | FsPath) -> Path:
        """Read a path written by :meth:`to_json` (round trip is exact)."""
        src = str(text_or_path)
        text = FsPath(src).read_text(encoding="utf-8") if not src.lstrip().startswith("{") else src
        d = json.loads(text)
        if d.get("terms") != list(TERMS):
            raise ParameterError(f"path JSON has terms {d.get('terms')!r}; expected {list(TERMS)}.")
        return cls(
            codes=tuple(d["codes"]),
            dates=np.array(d["dates"], dtype="datetime64[D]"),
            tariff=d["tariff"],
            effective=d["effective"],
            control=d["control"],
            moves=d["moves"],
            terms=d["term_payoffs"],
            payoff=d["payoff"],
            recession=d["recession"],
            approval=d["approval"],
            drawdown=d["drawdown"],
            burden=d["burden"],
            perceived_pass_through=d["perceived_pass_through"],
            events=tuple((int(r), str(s)) for r, s in d["events"]),
            meta=d["meta"],
            layer_names=tuple(d.get("layer_names", ())),
            **{k: d[k] for k in (*STATE_FIELDS, "hit_share") if k in d},
        )

    def to_csv(
        self, path: str | FsPath | None = None, dyads: list[tuple[str, str]] | None = None
    ) -> str:
        """The per-round table (:meth:`rows`) plus event labels as CSV."""
        rows = self.rows(dyads)
        ev: dict[int, list[str]] = {}
        for r, label in self.events:
            ev.setdefault(r, []).append(label)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[*rows[0], "events"], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "events": "; ".join(ev.get(row["round"], []))})
        text = buf.getvalue()
        if path is not None:
            _atomic_write(path, text)
        return text

    def plot(self, *, ax: Axes | None = None, dyads: list[tuple[str, str]] | None = None) -> Axes:
        """Plot tariffs per dyad over time, with events and recession odds.

        Returns the matplotlib ``Axes`` (see :func:`tariffsim.plotting.plot_path`).
        """
        from .plotting import plot_path

        return plot_path(self, ax=ax, dyads=dyads)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> str:
    """An escaped HTML ``<table>`` (used by every notebook view in tariffsim).

    Examples
    --------
    >>> ts.path.html_table(["a", "b"], [[1, "<x>"]])
    '<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>&lt;x&gt;</td></tr></table>'
    """
    import html

    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    return f"<table>{cap}<tr>{head}</tr>{body}</table>"


def _turning_points(path: Path) -> list[int]:
    """Rounds where some tariff changes direction or an event fires."""
    d = np.diff(path.tariff, axis=0)
    moved = np.flatnonzero(np.abs(d).sum(axis=(1, 2)) > 0) + 1
    return sorted({*moved.tolist(), *(r for r, _ in path.events if r < len(path))})


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return (
            f"{x:.4g}" if abs(x) < 1e-3 and x != 0 else (f"{x:.2f}" if abs(x) < 100 else f"{x:.1f}")
        )
    return str(x)


def _atomic_write(path: str | FsPath, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file: never half-written."""
    p = FsPath(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
