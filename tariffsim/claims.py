"""The claims behind every default number in tariffsim.

A *claim* is a number or a direction taken from one of the source articles
(``kind == "article"``), or a modelling assumption that no article gives,
with the public source it comes from (``kind == "assumption"``). Every
default parameter of the model cites one or more claims by id, so a user can
always ask "where does this number come from?".

The claims live as data in ``tariffsim/data/*.toml`` and are loaded once, on
first use, into an immutable :class:`ClaimSet`.

Examples
--------
>>> c = ts.claims["us_recession_odds_60"]
>>> c.value
60.0
>>> c.kind
'article'
>>> len(ts.claims) >= 40
True
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from ._util import did_you_mean, one_of
from .errors import MissingExtraError, ParameterError, UnknownNameError

__all__ = [
    "CLAIM_TOPICS",
    "MODEL_OBJECTS",
    "Article",
    "Claim",
    "ClaimSet",
    "articles",
    "cite",
    "claims",
    "load_claims",
]

ClaimValue = float | tuple[float, ...] | str
KINDS = ("article", "assumption")

PAYOFF_TERM_NAMES = (
    "tariff_pain",
    "revenue",
    "retaliation",
    "dependence",
    "recession",
    "markets",
    "approval",
    "alliance",
    "coalition",
    "face",
    "resolve",
    "reciprocity",
)
"""Names of the payoff terms, spelled exactly as :data:`tariffsim.payoffs.TERMS`
(a test keeps the two equal; this module sits below ``payoffs`` and cannot import it)."""

MODEL_OBJECTS = {
    "ladder": "the rungs an instrument may take on a dyad",
    "event": "a scheduled announcement, threat, shock, support package or summit",
    "pass_through": "the share of a tariff borne by the importing country",
    "trade_response": "how imports fall with a tariff (the trade elasticity)",
    "belief": "what an agent believes about the parameters, and how it learns",
    "policy_support": "a policy package that cushions a market",
    "outside_option": "what a country can do instead of settling",
    "strategy": "how an agent chooses its moves",
    "concession": "an action other than a tariff given in a deal, its cost and value",
}
"""Model objects other than payoff terms that a claim can feed, with one line each."""

CLAIM_TOPICS = PAYOFF_TERM_NAMES + tuple(MODEL_OBJECTS)
"""Every name a claim's ``terms`` may hold: the payoff terms, then the model objects."""


@dataclass(frozen=True, slots=True)
class Article:
    """A source article (or one piece of a bundled file).

    Parameters
    ----------
    id : str
        Piece id used in claim sections, e.g. ``"000-A"`` or ``"004"``.
    file : str
        File name in the articles folder.
    outlet : str
        Publication, or a note that the file does not name one.
    title : str
    date : datetime.date
        Publication date, stated or inferred (see ``dated``).
    dated : str
        How the date was established (``"stated: …"`` or ``"inferred: …"``).
    """

    id: str
    file: str
    outlet: str
    title: str
    date: dt.date
    dated: str = ""

    @property
    def date_inferred(self) -> bool:
        """True when the article carries no date and ``date`` is inferred from its text."""
        return self.dated.startswith("inferred")

    def citation(self) -> str:
        """One line: outlet, title in quotes, date (marked ``c.`` when inferred)."""
        when = f"{'c. ' if self.date_inferred else ''}{self.date:%d %b %Y}"
        return f"{self.outlet}, “{self.title}”, {when}"


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim: a value with its unit, source and a one-line paraphrase.

    Parameters
    ----------
    id : str
        Stable identifier, e.g. ``"us_recession_odds_60"``.
    kind : {"article", "assumption"}
        ``"article"`` for a claim made in a source article; ``"assumption"``
        for a modelling input no article gives, with its public source.
    value : float, tuple of float or str
        The number(s) as stated, or a short qualitative statement.
    unit : str
        Unit of ``value`` (e.g. ``"% ad valorem"``), or ``"qualitative"``.
    source : str
        Article file name (``000_3f0e6f51c097b80d.txt``) or public source.
    section : str
        Piece and section of the article (e.g. ``"000-A §1"``), or the
        table/paper of a public source.
    paraphrase : str
        One line saying what is claimed.
    concerns : tuple of str
        Country codes the claim is about.
    terms : tuple of str
        Model terms or objects the claim feeds (``"recession"``, ``"face"`` …).
    direction : str
        Direction of effect, e.g. ``"↑ US import prices"``.
    range : (float, float) or None
        ``(low, high)`` in ``unit`` where the sources give a range of
        plausible values (``range = [low, high]`` in the data file). Ensembles
        with ``vary="claims"`` draw from these ranges
        (:mod:`tariffsim.analysis.vary`).
    """

    id: str
    kind: Literal["article", "assumption"]
    value: ClaimValue
    unit: str
    source: str
    section: str
    paraphrase: str
    concerns: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    direction: str = ""
    range: tuple[float, float] | None = None

    @property
    def is_assumption(self) -> bool:
        """True for a modelling assumption (not stated in an article)."""
        return self.kind == "assumption"

    @property
    def article(self) -> Article | None:
        """The source article of an article claim (``None`` for an assumption).

        Found from the piece id that starts ``section`` (``"000-A §1"`` → ``000-A``).
        """
        if self.kind != "article":
            return None
        arts = articles()
        piece = self.section.split(" ", 1)[0]
        if piece in arts:
            return arts[piece]
        by_file = [a for a in arts.values() if a.file == self.source]
        return by_file[0] if len(by_file) == 1 else None

    @property
    def reference(self) -> str:
        """A citation a reader can follow: outlet, title, date and section.

        Examples
        --------
        >>> print(ts.claims["us_recession_odds_60"].reference)  # doctest: +ELLIPSIS
        not named in the file (...), “US–China Trade War: ...”, c. 25 Apr 2025, 000-A §1 ...
        """
        art = self.article
        if art is None:
            return f"{self.source}, {self.section}" if self.section else self.source
        return f"{art.citation()}, {self.section} (file {art.file})"

    @property
    def values(self) -> tuple[float, ...]:
        """The numeric value(s) as a tuple; empty for a qualitative claim."""
        if isinstance(self.value, str):
            return ()
        if isinstance(self.value, tuple):
            return self.value
        return (self.value,)


@dataclass(frozen=True)
class ClaimSet(Mapping[str, Claim]):
    """An immutable, ordered collection of claims, indexed by id.

    Behaves as a read-only mapping ``id -> Claim``; iteration follows the
    order of the data files.
    """

    _by_id: Mapping[str, Claim] = field(repr=False)

    def __getitem__(self, key: str) -> Claim:
        try:
            return self._by_id[key]
        except KeyError:
            raise UnknownNameError(
                f"unknown claim id {key!r}; see `tariffsim claims` for the {len(self)} known ids"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        n_art = sum(1 for c in self.values() if c.kind == "article")
        n_ass = len(self) - n_art
        return f"<ClaimSet: {len(self)} claims ({n_art} from articles, {n_ass} assumptions)>"

    def filter(
        self,
        *,
        kind: str | None = None,
        term: str | None = None,
        concerns: str | None = None,
    ) -> ClaimSet:
        """Claims matching all given criteria.

        Parameters
        ----------
        kind : {"article", "assumption"}, optional
        term : str, optional
            Keep claims that feed this model term (one of :data:`CLAIM_TOPICS`:
            the payoff terms as spelled in ``ts.TERMS``, or a model object).
        concerns : str, optional
            Keep claims about this country code.

        Returns
        -------
        ClaimSet

        Raises
        ------
        ParameterError
            If ``kind`` is not a known kind.
        UnknownNameError
            If ``term`` is not a known term (the message suggests near matches).

        Examples
        --------
        >>> len(ts.claims.filter(term="recession")) > 0
        True
        >>> ts.claims.filter(term="market")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tariffsim.errors.UnknownNameError: `term` 'market' is not a model term; did you mean ...
        """
        if kind is not None and not one_of(kind, KINDS):
            raise ParameterError(f"`kind` must be one of {KINDS}; got {kind!r}.")
        if term is not None and not one_of(term, CLAIM_TOPICS):
            raise UnknownNameError(
                f"`term` {term!r} is not a model term; {did_you_mean(term, CLAIM_TOPICS)}known: "
                f"{', '.join(CLAIM_TOPICS)}."
            )
        keep = {
            k: c
            for k, c in self._by_id.items()
            if (kind is None or c.kind == kind)
            and (term is None or term in c.terms)
            and (concerns is None or concerns in c.concerns)
        }
        return ClaimSet(keep)

    def _repr_html_(self) -> str:
        """Notebook view: every claim as a table row."""
        import html

        head = "".join(f"<th>{h}</th>" for h in ("id", "kind", "value", "unit", "source"))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>"
            for row in self.table()
        )
        return f"<div><b>{html.escape(repr(self))}</b><table><tr>{head}</tr>{body}</table></div>"

    def records(self) -> list[dict[str, Any]]:
        """Every claim as a flat dict with every field, plus its article and reference.

        Keys: the :class:`Claim` fields (``concerns`` and ``terms`` joined by
        spaces; ``range`` a ``(low, high)`` tuple or None), ``outlet``,
        ``title``, ``date`` (ISO; empty for an assumption) and ``reference``.
        ``value`` keeps its type (float, tuple or str).
        """
        rows = []
        for c in self.values():
            art = c.article
            rows.append(
                {
                    "id": c.id,
                    "kind": c.kind,
                    "value": c.value,
                    "unit": c.unit,
                    "source": c.source,
                    "section": c.section,
                    "paraphrase": c.paraphrase,
                    "concerns": " ".join(c.concerns),
                    "terms": " ".join(c.terms),
                    "direction": c.direction,
                    "range": c.range,
                    "outlet": art.outlet if art else "",
                    "title": art.title if art else "",
                    "date": art.date.isoformat() if art else "",
                    "reference": c.reference,
                }
            )
        return rows

    def to_frame(self) -> Any:
        """All claims as a pandas DataFrame indexed by id, one column per :meth:`records` key.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "ClaimSet.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        return pd.DataFrame(self.records()).set_index("id")

    def table(self) -> list[tuple[str, str, str, str, str]]:
        """Rows ``(id, kind, value, unit, source/section)`` for display."""
        rows: list[tuple[str, str, str, str, str]] = []
        for c in self.values():
            if isinstance(c.value, tuple):
                v = "–".join(f"{x:g}" for x in c.value)
            elif isinstance(c.value, float):
                v = f"{c.value:g}"
            else:
                v = c.value
            rows.append((c.id, c.kind, v, c.unit, f"{c.source} {c.section}".strip()))
        return rows


def _coerce_value(raw: object, where: str) -> ClaimValue:
    if isinstance(raw, bool):
        raise ParameterError(f"{where}.value: must be a number, list or string; got {raw!r}")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, list):
        try:
            return tuple(float(x) for x in raw)
        except (TypeError, ValueError):
            raise ParameterError(f"{where}.value: list must hold numbers; got {raw!r}") from None
    if isinstance(raw, str):
        return raw
    raise ParameterError(f"{where}.value: must be a number, list or string; got {raw!r}")


def _coerce_range(raw: object, where: str) -> tuple[float, float] | None:
    if raw is None:
        return None
    ok = (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw)
    )
    if not ok:
        raise ParameterError(f"{where}.range: must be [low, high]; got {raw!r}")
    lo, hi = float(raw[0]), float(raw[1])  # type: ignore[index]
    if not lo < hi:
        raise ParameterError(f"{where}.range: low must be < high; got {raw!r}")
    return (lo, hi)


def _terms(raw: Any, where: str) -> tuple[str, ...]:
    terms = tuple(raw)
    bad = [t for t in terms if t not in CLAIM_TOPICS]
    if bad:
        raise ParameterError(
            f"{where}.terms: unknown term(s) {bad}; known: {', '.join(CLAIM_TOPICS)}"
        )
    return terms


@cache
def articles() -> Mapping[str, Article]:
    """The source articles, by piece id (read from ``data/articles.toml``, cached).

    Examples
    --------
    >>> from tariffsim.claims import articles
    >>> a = articles()["004"]
    >>> a.outlet, str(a.date)
    ('The Wall Street Journal', '2025-10-13')
    """
    text = (resources.files("tariffsim") / "data" / "articles.toml").read_text(encoding="utf-8")
    out: dict[str, Article] = {}
    for k, e in enumerate(tomllib.loads(text).get("article", [])):
        where = f"articles.toml:article[{k}]"
        missing = [f for f in ("id", "file", "outlet", "title", "date") if f not in e]
        if missing:
            raise ParameterError(f"{where}: missing field(s) {missing}")
        if not isinstance(e["date"], dt.date):
            raise ParameterError(f"{where}.date: must be a date; got {e['date']!r}")
        out[str(e["id"])] = Article(
            id=str(e["id"]),
            file=str(e["file"]),
            outlet=str(e["outlet"]),
            title=str(e["title"]),
            date=e["date"],
            dated=str(e.get("dated", "")),
        )
    return out


def _parse(data: Mapping[str, object], fname: str) -> list[Claim]:
    out = []
    entries = data.get("claim", [])
    if not isinstance(entries, list):
        raise ParameterError(f"{fname}: expected [[claim]] tables")
    for k, e in enumerate(entries):
        where = f"{fname}:claim[{k}]"
        if not isinstance(e, dict):
            raise ParameterError(f"{where}: expected a table")
        missing = [
            f
            for f in ("id", "kind", "value", "unit", "source", "section", "paraphrase")
            if f not in e
        ]
        if missing:
            raise ParameterError(f"{where} ({e.get('id')!r}): missing field(s) {missing}")
        if e["kind"] not in KINDS:
            raise ParameterError(f"{where}.kind: must be one of {KINDS}; got {e['kind']!r}")
        out.append(
            Claim(
                id=str(e["id"]),
                kind=e["kind"],
                value=_coerce_value(e["value"], where),
                unit=str(e["unit"]),
                source=str(e["source"]),
                section=str(e["section"]),
                paraphrase=str(e["paraphrase"]),
                concerns=tuple(e.get("concerns", ())),
                terms=_terms(e.get("terms", ()), where),
                direction=str(e.get("direction", "")),
                range=_coerce_range(e.get("range"), where),
            )
        )
    return out


@cache
def load_claims() -> ClaimSet:
    """Load every claim from the package data (cached).

    Returns
    -------
    ClaimSet

    Raises
    ------
    ParameterError
        If a data file is malformed or an id is duplicated.
    """
    by_id: dict[str, Claim] = {}
    data_dir = resources.files("tariffsim") / "data"
    for entry in sorted(data_dir.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml") or entry.name in ("articles.toml", "concessions.toml"):
            continue
        for c in _parse(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name):
            if c.id in by_id:
                raise ParameterError(f"{entry.name}: duplicate claim id {c.id!r}")
            by_id[c.id] = c
    return ClaimSet(by_id)


class _LazyClaims(Mapping[str, Claim]):
    """Module-level ``claims`` that loads the data on first access."""

    def __getitem__(self, key: str) -> Claim:
        return load_claims()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(load_claims())

    def __len__(self) -> int:
        return len(load_claims())

    def __repr__(self) -> str:
        return repr(load_claims())

    def filter(self, **kw: str | None) -> ClaimSet:
        """See :meth:`ClaimSet.filter`."""
        return load_claims().filter(**kw)

    def table(self) -> list[tuple[str, str, str, str, str]]:
        """See :meth:`ClaimSet.table`."""
        return load_claims().table()

    def _repr_html_(self) -> str:
        return load_claims()._repr_html_()

    def to_frame(self) -> Any:
        """See :meth:`ClaimSet.to_frame`."""
        return load_claims().to_frame()

    def records(self) -> list[dict[str, Any]]:
        """See :meth:`ClaimSet.records`."""
        return load_claims().records()


claims = _LazyClaims()
"""All claims, loaded lazily: ``ts.claims["us_tariff_cn_145"]``."""


def cite(*ids: str) -> tuple[str, ...]:
    """Check that claim ids exist and return them (used by parameter defaults).

    Parameters
    ----------
    *ids : str
        Claim ids.

    Returns
    -------
    tuple of str

    Raises
    ------
    UnknownNameError
        If an id is not a known claim.
    """
    known = load_claims()
    for i in ids:
        known[i]
    return ids
