"""The world: countries, trade and alliance networks, ladders and the state.

A :class:`World` is the static structure of the game: who the countries are,
their GDP, the 2024 bilateral goods trade between them, the share of each
dyad's trade exempt from tariffs, the alliance ties among them, and the
*ladders* — the ordered levels each instrument may take on each active dyad.

A :class:`State` holds what changes from round to round: the headline
tariff and export-control matrices, the peak tariff reached on each dyad (for
face costs), the last move on each dyad (for resolve), and the slow variables
(policy support, market shocks). States are immutable; :func:`apply_moves`
returns a new one.

Conventions: ``imports[i, j]`` is what country ``i`` imports from country
``j`` (USD bn, 2024); ``tariff[i, j]`` is the tariff ``i`` levies on goods
from ``j`` as a fraction (1.45 = 145%); ``control[i, j]`` is the share of
critical exports ``i`` withholds from ``j``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .claims import load_claims
from .errors import ParameterError, UnknownNameError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "PLAYERS",
    "THIRD_PARTIES",
    "Country",
    "Ladder",
    "Move",
    "State",
    "StateBatch",
    "World",
    "apply_moves",
]

PLAYERS = ("US", "CN", "CA", "MX")
THIRD_PARTIES = ("JP", "KR", "EU", "IN", "BR", "AU")

_NAMES = {
    "US": "United States",
    "CN": "China",
    "CA": "Canada",
    "MX": "Mexico",
    "JP": "Japan",
    "KR": "South Korea",
    "EU": "European Union",
    "IN": "India",
    "BR": "Brazil",
    "AU": "Australia",
}


class Move:
    """Integer codes of the three actions on a dyad."""

    DEESCALATE = -1
    HOLD = 0
    ESCALATE = 1
    NAMES: ClassVar[dict[int, str]] = {-1: "de-escalate", 0: "hold", 1: "escalate"}


def _readonly(a: ArrayLike, name: str, *, shape: tuple[int, ...] | None = None) -> NDArray[Any]:
    try:
        arr = np.array(a, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be numeric; got {a!r}.") from None
    if shape is not None and arr.shape != shape:
        raise ParameterError(f"`{name}` must have shape {shape}; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise ParameterError(f"`{name}` must be finite; got {bad!r}.")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, slots=True)
class Country:
    """A country in the world.

    Parameters
    ----------
    code : str
        Short code, e.g. ``"US"``.
    gdp : float
        GDP, USD tn (2024), > 0.
    name : str, optional
        Full name.
    player : bool
        True for a country that moves (sets tariffs); False for a third party
        that carries trade and alliance ties but does not move.

    Examples
    --------
    >>> ts.Country("US", 29.2).gdp
    29.2
    """

    code: str
    gdp: float
    name: str = ""
    player: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise ParameterError(f"`code` must be a non-empty string; got {self.code!r}.")
        g = self.gdp
        if isinstance(g, bool) or not isinstance(g, int | float) or not math.isfinite(g) or g <= 0:
            raise ParameterError(f"countries.{self.code}.gdp: must be > 0, got {g!r}.")
        if not self.name:
            object.__setattr__(self, "name", _NAMES.get(self.code, self.code))


@dataclass(frozen=True, slots=True)
class Ladder:
    """The ordered levels an instrument may take on a dyad.

    Parameters
    ----------
    levels : sequence of float
        Strictly increasing, finite, non-negative fractions (1.45 = 145%).

    Examples
    --------
    >>> lad = ts.Ladder((0, 0.1, 0.2, 0.34))
    >>> lad.step(0.1, +1)
    0.2
    >>> lad.step(0.34, +1)  # the top rung holds
    0.34
    """

    levels: tuple[float, ...]

    def __post_init__(self) -> None:
        try:
            lv = tuple(float(x) for x in self.levels)
        except (TypeError, ValueError):
            raise ParameterError(f"`levels` must be numbers; got {self.levels!r}.") from None
        if not lv:
            raise ParameterError("`levels` must hold at least one level; got ().")
        for x in lv:
            if not math.isfinite(x) or x < 0:
                raise ParameterError(f"`levels` must be finite and >= 0; got {x!r} in {lv}.")
        if any(b <= a for a, b in itertools.pairwise(lv)):
            raise ParameterError(f"`levels` must be strictly increasing; got {lv}.")
        object.__setattr__(self, "levels", lv)

    def __len__(self) -> int:
        return len(self.levels)

    @property
    def array(self) -> NDArray[np.float64]:
        """The levels as a float array."""
        return np.asarray(self.levels)

    def index(self, level: float, *, field: str = "level") -> int:
        """Index of ``level`` on the ladder (within 1e-9).

        Raises
        ------
        ParameterError
            If ``level`` is not a rung of the ladder.
        """
        for k, x in enumerate(self.levels):
            if abs(x - level) <= 1e-9:
                return k
        raise ParameterError(f"`{field}` {level!r} is not on the ladder {self.levels}.")

    def contains(self, level: float) -> bool:
        """True if ``level`` is a rung (within 1e-9)."""
        return any(abs(x - level) <= 1e-9 for x in self.levels)

    def floor_index(self, level: float) -> int:
        """Index of the highest rung at or below ``level`` (0 if below all)."""
        k = int(np.searchsorted(self.array, level + 1e-9, side="right")) - 1
        return max(k, 0)

    def step(self, level: float, move: int) -> float:
        """The level after ``move`` (-1, 0, +1) steps along the ladder.

        A hold keeps the level. A cut never raises and an escalation never
        lowers it: from a level between rungs (set by an event) a cut snaps
        to the rung below and an escalation to the rung above; below the
        bottom rung a cut holds; at or above the top rung an escalation holds.
        """
        level = float(level)
        if move == 0:
            return level
        lv = self.levels
        if move < 0:
            if level < lv[0] - 1e-9:
                return level
            k = self.floor_index(level)
            return lv[max(k - 1, 0)] if self.contains(level) else lv[k]
        if level >= lv[-1] - 1e-9:
            return level if level > lv[-1] else lv[-1]
        if level < lv[0] - 1e-9:
            return lv[0]
        return lv[self.floor_index(level) + 1]

    def step_many(self, levels: ArrayLike, moves: ArrayLike) -> NDArray[np.float64]:
        """:meth:`step` for arrays of levels and moves (broadcast together).

        Every element follows exactly the rule of :meth:`step`, so the engine
        can move many runs at once.

        Examples
        --------
        >>> ts.Ladder((0, 0.1, 0.2)).step_many([0.0, 0.1, 0.15, 0.2], [1, -1, 1, 1]).tolist()
        [0.1, 0.0, 0.2, 0.2]
        """
        level, move = np.broadcast_arrays(np.asarray(levels, dtype=float), np.asarray(moves))
        lv = _ladder_array(self.levels)
        k = np.maximum(np.searchsorted(lv, level + 1e-9, side="right") - 1, 0)
        on = (np.abs(lv - level[..., None]) <= 1e-9).any(axis=-1)
        below = level < lv[0] - 1e-9
        down = np.where(below, level, np.where(on, lv[np.maximum(k - 1, 0)], lv[k]))
        top = level >= lv[-1] - 1e-9
        up = np.where(
            top,
            np.where(level > lv[-1], level, lv[-1]),
            np.where(below, lv[0], lv[np.minimum(k + 1, len(lv) - 1)]),
        )
        return np.where(move < 0, down, np.where(move > 0, up, level))


@functools.lru_cache(maxsize=256)
def _ladder_array(levels: tuple[float, ...]) -> NDArray[np.float64]:
    """The levels as a read-only array, made once per ladder."""
    out = np.asarray(levels, dtype=float)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class World:
    """The static structure of the game.

    Parameters
    ----------
    countries : sequence of Country
        Players first is conventional but not required.
    imports : array_like, shape (n, n)
        ``imports[i, j]``: goods ``i`` imports from ``j``, USD bn; >= 0, zero
        diagonal.
    ties : array_like, shape (n, n)
        Alliance ties in [0, 1], symmetric, zero diagonal.
    exempt : array_like, shape (n, n)
        Share of ``imports[i, j]`` exempt from ``i``'s tariff on ``j`` (the
        USMCA preference), in [0, 1].
    ladders : mapping of (str, str) to Ladder
        Tariff ladder of each active dyad ``(importer, exporter)``.
    control_ladders : mapping of (str, str) to Ladder
        Export-control ladder of each dyad ``(withholder, target)``.
    sources : mapping of str to tuple of str
        Claim ids behind each field.

    Examples
    --------
    >>> w = ts.World.default()
    >>> w.codes[:4]
    ('US', 'CN', 'CA', 'MX')
    >>> round(float(w.imports[w.index("US"), w.index("CN")]), 1)
    438.9
    """

    countries: tuple[Country, ...]
    imports: NDArray[np.float64]
    ties: NDArray[np.float64]
    exempt: NDArray[np.float64]
    ladders: Mapping[tuple[str, str], Ladder] = field(default_factory=dict)
    control_ladders: Mapping[tuple[str, str], Ladder] = field(default_factory=dict)
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cs = tuple(self.countries)
        if not cs:
            raise ParameterError("`countries` must not be empty.")
        for c in cs:
            if not isinstance(c, Country):
                raise ParameterError(f"`countries` must hold Country objects; got {c!r}.")
        codes = [c.code for c in cs]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ParameterError(f"`countries` codes must be unique; duplicated {sorted(dup)}.")
        n = len(cs)
        object.__setattr__(self, "countries", cs)
        imports = _readonly(self.imports, "imports", shape=(n, n))
        if np.any(imports < 0):
            i, j = np.argwhere(imports < 0)[0]
            raise ParameterError(
                f"imports[{codes[i]}, {codes[j]}]: trade must be >= 0, got {imports[i, j]!r}."
            )
        if np.any(np.diag(imports) != 0):
            raise ParameterError("`imports` must have a zero diagonal (no trade with oneself).")
        ties = _readonly(self.ties, "ties", shape=(n, n))
        if np.any((ties < 0) | (ties > 1)):
            i, j = np.argwhere((ties < 0) | (ties > 1))[0]
            raise ParameterError(
                f"ties[{codes[i]}, {codes[j]}]: must be in [0, 1], got {ties[i, j]!r}."
            )
        if not np.allclose(ties, ties.T):
            raise ParameterError("`ties` must be symmetric.")
        if np.any(np.diag(ties) != 0):
            k = int(np.flatnonzero(np.diag(ties))[0])
            raise ParameterError(
                f"ties[{codes[k]}, {codes[k]}]: a country is not its own ally; "
                f"the diagonal must be 0, got {ties[k, k]!r}."
            )
        exempt = _readonly(self.exempt, "exempt", shape=(n, n))
        if np.any((exempt < 0) | (exempt > 1)):
            i, j = np.argwhere((exempt < 0) | (exempt > 1))[0]
            raise ParameterError(
                f"exempt[{codes[i]}, {codes[j]}]: must be in [0, 1], got {exempt[i, j]!r}."
            )
        object.__setattr__(self, "imports", imports)
        object.__setattr__(self, "ties", ties)
        object.__setattr__(self, "exempt", exempt)
        for name in ("ladders", "control_ladders"):
            lads = dict(getattr(self, name))
            for (a, b), lad in lads.items():
                for code in (a, b):
                    if code not in codes:
                        raise UnknownNameError(
                            f"{name}[{a}, {b}]: unknown country {code!r}; "
                            f"known: {', '.join(codes)}."
                        )
                if a == b:
                    raise ParameterError(f"{name}[{a}, {b}]: a dyad needs two countries.")
                if not isinstance(lad, Ladder):
                    lads[(a, b)] = Ladder(tuple(lad))
            object.__setattr__(self, name, lads)

    # -- lookup -----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.countries)

    @property
    def codes(self) -> tuple[str, ...]:
        """Country codes, in order."""
        return tuple(c.code for c in self.countries)

    @property
    def gdp(self) -> NDArray[np.float64]:
        """GDP vector, USD tn."""
        g = np.array([c.gdp for c in self.countries])
        g.flags.writeable = False
        return g

    @property
    def players(self) -> tuple[str, ...]:
        """Codes of the countries that move."""
        return tuple(c.code for c in self.countries if c.player)

    def index(self, code: str) -> int:
        """Position of country ``code``.

        Raises
        ------
        UnknownNameError
            If ``code`` is not a country of this world; the message lists them.
        """
        for k, c in enumerate(self.countries):
            if c.code == code:
                return k
        raise UnknownNameError(f"unknown country {code!r}; known: {', '.join(self.codes)}.")

    def country(self, code: str) -> Country:
        """The :class:`Country` with this code."""
        return self.countries[self.index(code)]

    @property
    def dyads(self) -> tuple[tuple[str, str], ...]:
        """Active tariff dyads ``(importer, exporter)``, in ladder order."""
        return tuple(self.ladders)

    def __repr__(self) -> str:
        return (
            f"<World {self.n} countries ({', '.join(self.codes)}); "
            f"{len(self.ladders)} tariff ladders, {len(self.control_ladders)} control ladders>"
        )

    def replace(self, **changes: Any) -> World:
        """A copy with fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def add_country(
        self,
        country: Country,
        *,
        imports: Mapping[str, float] | None = None,
        exports: Mapping[str, float] | None = None,
        ties: Mapping[str, float] | None = None,
        ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
    ) -> World:
        """A world with one more country, every per-country array grown for it.

        Every ``(n, n)`` array field (imports, ties, exemptions, …) gets a new
        row and column of zeros and every ``(n,)`` field a zero, then the
        given trade, ties and ladders are filled in. The result is validated
        like any world.

        Parameters
        ----------
        country : Country
            The new country (its code must be new).
        imports : mapping of str to float, optional
            What the new country imports from each partner, USD bn.
        exports : mapping of str to float, optional
            What each partner imports from the new country, USD bn.
        ties : mapping of str to float, optional
            Alliance tie with each partner, in [0, 1] (set both ways).
        ladders : mapping of (str, str) to levels, optional
            Tariff ladders of new dyads, e.g. ``{("US", "VN"): (0, 0.1, 0.46)}``.

        Returns
        -------
        World

        Raises
        ------
        ParameterError
            If the code exists already, or a value is invalid (negative trade,
            a tie outside [0, 1], a bad ladder).
        UnknownNameError
            If a partner is not a country of this world.

        Examples
        --------
        >>> w = ts.World.default().add_country(
        ...     ts.Country("VN", 0.48, "Vietnam"), imports={"CN": 160.0},
        ...     exports={"US": 137.0}, ties={"US": 0.5},
        ...     ladders={("US", "VN"): (0.0, 0.1, 0.46)})
        >>> w.n, float(w.imports[w.index("US"), w.index("VN")]), float(w.ties[-1, 0])
        (11, 137.0, 0.5)
        """
        if not isinstance(country, Country):
            raise ParameterError(f"`country` must be a Country; got {country!r}.")
        if country.code in self.codes:
            raise ParameterError(f"`country`: {country.code!r} is already in the world.")
        n = self.n
        grown: dict[str, Any] = {"countries": (*self.countries, country)}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray) and v.shape == (n, n):
                out = np.zeros((n + 1, n + 1), dtype=v.dtype)
                out[:n, :n] = v
                grown[f.name] = out
            elif isinstance(v, np.ndarray) and v.shape == (n,):
                grown[f.name] = np.append(v, np.zeros(1, dtype=v.dtype))
        for name, table, row in (("imports", imports, True), ("imports", exports, False)):
            for partner, value in (table or {}).items():
                j = self.index(partner)
                if row:
                    grown[name][n, j] = value
                else:
                    grown[name][j, n] = value
        for partner, value in (ties or {}).items():
            j = self.index(partner)
            grown["ties"][n, j] = grown["ties"][j, n] = value
        lads = dict(self.ladders)
        for (a, b), levels in (ladders or {}).items():
            lads[(a, b)] = levels if isinstance(levels, Ladder) else Ladder(tuple(levels))
        grown["ladders"] = lads
        return self.replace(**grown)

    # -- effective rates ----------------------------------------------------------
    def effective(self, tariff: ArrayLike) -> NDArray[np.float64]:
        """Effective tariff: the headline rate times the non-exempt share.

        Works on a single ``(n, n)`` matrix or a batch ``(..., n, n)``.

        Examples
        --------
        >>> w = ts.World.default()
        >>> t = np.zeros((w.n, w.n)); t[w.index("US"), w.index("CA")] = 0.25
        >>> round(float(w.effective(t)[0, w.index("CA")]), 4)
        0.0312
        """
        return np.asarray(tariff, dtype=float) * (1.0 - self.exempt)

    # -- graphs -------------------------------------------------------------------
    def trade_graph(self) -> nx.DiGraph:
        """Directed trade graph: an edge ``j -> i`` weighted by ``imports[i, j]``.

        Each node carries ``gdp`` and ``player``; each edge ``weight`` (USD bn)
        and ``exempt`` (share).
        """
        import networkx as nx

        g = nx.DiGraph()
        for c in self.countries:
            g.add_node(c.code, gdp=c.gdp, player=c.player, name=c.name)
        codes = self.codes
        for i, j in zip(*np.nonzero(self.imports), strict=True):
            g.add_edge(
                codes[j],
                codes[i],
                weight=float(self.imports[i, j]),
                exempt=float(self.exempt[i, j]),
            )
        return g

    def tie_graph(self) -> nx.Graph:
        """Undirected alliance-tie graph, edges weighted by tie strength."""
        import networkx as nx

        g = nx.Graph()
        for c in self.countries:
            g.add_node(c.code, gdp=c.gdp, player=c.player, name=c.name)
        codes = self.codes
        for i, j in zip(*np.nonzero(np.triu(self.ties)), strict=True):
            g.add_edge(codes[i], codes[j], weight=float(self.ties[i, j]))
        return g

    # -- defaults -----------------------------------------------------------------
    @classmethod
    def default(
        cls,
        *,
        ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
        control_ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
    ) -> World:
        """The four players and six third parties, calibrated from the claims.

        GDP from ``gdp_2024``; trade from ``trade_us_*_2024``, ``trade_mx_cn_2024``,
        ``trade_ca_cn_2024``, ``trade_ca_mx_2024``, ``trade_third_parties_2024``
        (flows among third parties, and between Canada/Mexico and third
        parties, are not modelled and are zero); the USMCA exemption from
        ``usmca_exempt_share``; ties from ``alliance_ties_default``.

        Parameters
        ----------
        ladders, control_ladders : mapping, optional
            Active dyads and their ladders; default: :data:`DEFAULT_LADDERS`.
        """
        cl = load_claims()
        order = ("US", "CN", "JP", "IN", "BR", "CA", "MX", "AU", "KR", "EU")
        gdp = dict(zip(order, cl["gdp_2024"].values, strict=True))
        codes = PLAYERS + THIRD_PARTIES
        countries = tuple(Country(c, gdp[c], player=c in PLAYERS) for c in codes)
        idx = {c: k for k, c in enumerate(codes)}
        n = len(codes)
        imp = np.zeros((n, n))

        def put(i: str, j: str, v: float) -> None:
            imp[idx[i], idx[j]] = v

        for partner, cid in (
            ("CN", "trade_us_cn_2024"),
            ("CA", "trade_us_ca_2024"),
            ("MX", "trade_us_mx_2024"),
        ):
            exp_to, imp_from = cl[cid].values
            put("US", partner, imp_from)
            put(partner, "US", exp_to)
        for c, cid in (("MX", "trade_mx_cn_2024"), ("CA", "trade_ca_cn_2024")):
            m_from, x_to = cl[cid].values
            put(c, "CN", m_from)
            put("CN", c, x_to)
        ca_from_mx, ca_to_mx = cl["trade_ca_mx_2024"].values
        put("CA", "MX", ca_from_mx)
        put("MX", "CA", ca_to_mx)
        tp = cl["trade_third_parties_2024"].values
        for k, x in enumerate(THIRD_PARTIES):
            us_imp, us_exp, cn_exp, cn_imp = tp[4 * k : 4 * k + 4]
            put("US", x, us_imp)
            put(x, "US", us_exp)
            put(x, "CN", cn_exp)
            put("CN", x, cn_imp)
        exempt = np.zeros((n, n))
        usmca = float(np.mean(cl["usmca_exempt_share"].values)) / 100.0
        for a in ("US", "CA", "MX"):
            for b in ("US", "CA", "MX"):
                if a != b:
                    exempt[idx[a], idx[b]] = usmca
        ties = _default_ties(codes)
        return cls(
            countries=countries,
            imports=imp,
            ties=ties,
            exempt=exempt,
            ladders=dict(DEFAULT_LADDERS if ladders is None else ladders),  # type: ignore[arg-type]
            control_ladders=dict(
                DEFAULT_CONTROL_LADDERS if control_ladders is None else control_ladders  # type: ignore[arg-type]
            ),
            sources={
                "gdp": ("gdp_2024",),
                "imports": (
                    "trade_us_cn_2024",
                    "trade_us_ca_2024",
                    "trade_us_mx_2024",
                    "trade_mx_cn_2024",
                    "trade_ca_cn_2024",
                    "trade_ca_mx_2024",
                    "trade_third_parties_2024",
                ),
                "exempt": ("usmca_exempt_share",),
                "ties": ("alliance_ties_default", "allies_resist", "anti_china_coalition_failed"),
                "ladders": (
                    "us_tariff_cn_145",
                    "cal_2025_04_02",
                    "cal_2025_02_01",
                    "cal_2025_03_03",
                ),
            },
        )


# Tie strengths (0..1) among the ten countries: treaty alliance and trade
# intensity, rounded. A modelling assumption (claim ``alliance_ties_default``),
# shaped by the articles' account of who resisted an anti-China front
# (``allies_resist``): Japan, Korea, Brazil, India and Australia hold real ties
# to China as well as to the US.
_TIES = {
    ("US", "CA"): 0.9, ("US", "MX"): 0.7, ("US", "JP"): 0.85, ("US", "KR"): 0.8,
    ("US", "EU"): 0.8, ("US", "AU"): 0.8, ("US", "IN"): 0.5, ("US", "BR"): 0.4,
    ("US", "CN"): 0.1, ("CN", "JP"): 0.4, ("CN", "KR"): 0.45, ("CN", "EU"): 0.4,
    ("CN", "IN"): 0.25, ("CN", "BR"): 0.6, ("CN", "AU"): 0.45, ("CN", "CA"): 0.2,
    ("CN", "MX"): 0.35, ("CA", "MX"): 0.6, ("CA", "EU"): 0.6, ("CA", "JP"): 0.4,
    ("MX", "EU"): 0.4, ("JP", "KR"): 0.5, ("JP", "AU"): 0.6, ("JP", "EU"): 0.6,
    ("KR", "EU"): 0.5, ("EU", "IN"): 0.4, ("EU", "BR"): 0.4, ("IN", "BR"): 0.4,
    ("AU", "EU"): 0.5, ("AU", "IN"): 0.4, ("KR", "AU"): 0.5,
}  # fmt: skip


def _default_ties(codes: Sequence[str]) -> NDArray[np.float64]:
    n = len(codes)
    idx = {c: k for k, c in enumerate(codes)}
    w = np.zeros((n, n))
    for (a, b), v in _TIES.items():
        if a in idx and b in idx:
            w[idx[a], idx[b]] = w[idx[b], idx[a]] = v
    return w


US_CN_LADDER = (0.0, 0.10, 0.20, 0.34, 0.54, 0.84, 1.25, 1.45)
"""US tariff rungs on China in 2025 (claims ``us_tariff_cn_10_feb``,
``cal_2025_03_03``, ``cal_2025_04_02`` (34% reciprocal, 54% in all), the 84%
reciprocal step of ``cal_2025_04_09``, 125% and ``us_tariff_cn_145``)."""
CN_US_LADDER = (0.0, 0.10, 0.15, 0.34, 0.84, 1.25)
"""China's answering rungs: 10–15% in February–March, 34% and 84% (matching the
US reciprocal steps), 125% (``cn_tariff_us_125``)."""
NA_LADDER = (0.0, 0.10, 0.25)
"""North-American rungs: the 10% energy rate and the 25% headline
(``us_tariff_ca_mx_25_suspended``, ``cal_2025_02_01``)."""

DEFAULT_LADDERS: dict[tuple[str, str], tuple[float, ...]] = {
    ("US", "CN"): US_CN_LADDER,
    ("CN", "US"): CN_US_LADDER,
    ("US", "CA"): NA_LADDER,
    ("CA", "US"): NA_LADDER,
    ("US", "MX"): NA_LADDER,
    ("MX", "US"): NA_LADDER,
}
DEFAULT_CONTROL_LADDERS: dict[tuple[str, str], tuple[float, ...]] = {
    ("CN", "US"): (0.0, 0.25, 0.5),
}
"""Rare-earth controls are 'not bans' (``controls_not_bans``): at most half of
critical exports withheld by default."""


@dataclass(frozen=True, eq=False)
class State:
    """The levels of every instrument on every dyad, plus slow variables.

    Parameters
    ----------
    tariff : array_like, shape (n, n)
        Headline tariffs, fractions >= 0 (1.45 = 145%).
    control : array_like, shape (n, n), optional
        Share of critical exports withheld, in [0, 1]. Default zeros.
    peak : array_like, shape (n, n), optional
        Highest tariff reached on each dyad so far (>= ``tariff``). Default:
        ``tariff``.
    moved : array_like, shape (n, n), optional
        Signed size of the last change on each dyad (``tariff`` minus the
        previous round's). Default zeros.
    support : array_like, shape (n,), optional
        Policy support cushioning each country's market, % of GDP. Default 0.
    shock : array_like, shape (n,), optional
        Exogenous market shock this round, % index move (negative = fall).

    Examples
    --------
    >>> s = ts.State.zeros(4)
    >>> s.tariff.shape
    (4, 4)
    """

    tariff: NDArray[np.float64]
    control: NDArray[np.float64] = None  # type: ignore[assignment]
    peak: NDArray[np.float64] = None  # type: ignore[assignment]
    moved: NDArray[np.float64] = None  # type: ignore[assignment]
    support: NDArray[np.float64] = None  # type: ignore[assignment]
    shock: NDArray[np.float64] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        t = np.array(self.tariff, dtype=float)
        if t.ndim != 2 or t.shape[0] != t.shape[1]:
            raise ParameterError(f"`tariff` must be a square matrix; got shape {t.shape}.")
        n = t.shape[0]
        t = _readonly(t, "tariff")
        if np.any(t < 0):
            raise ParameterError(f"`tariff` must be >= 0; got {t[t < 0].flat[0]!r}.")
        object.__setattr__(self, "tariff", t)
        z = np.zeros((n, n))
        c = _readonly(z if self.control is None else self.control, "control", shape=(n, n))
        if np.any((c < 0) | (c > 1)):
            raise ParameterError(
                f"`control` must be in [0, 1]; got {c[(c < 0) | (c > 1)].flat[0]!r}."
            )
        object.__setattr__(self, "control", c)
        p = _readonly(t if self.peak is None else np.maximum(self.peak, t), "peak", shape=(n, n))
        object.__setattr__(self, "peak", p)
        object.__setattr__(
            self, "moved", _readonly(z if self.moved is None else self.moved, "moved", shape=(n, n))
        )
        zn = np.zeros(n)
        object.__setattr__(
            self,
            "support",
            _readonly(zn if self.support is None else self.support, "support", shape=(n,)),
        )
        object.__setattr__(
            self, "shock", _readonly(zn if self.shock is None else self.shock, "shock", shape=(n,))
        )

    @classmethod
    def zeros(cls, n: int) -> State:
        """Free trade among ``n`` countries."""
        return cls(np.zeros((n, n)))

    @classmethod
    def _trusted(cls, **fields: NDArray[np.float64]) -> State:
        """Build a State from arrays derived from validated states, skipping the checks.

        Internal: the engine's transitions produce valid levels by construction
        (ladder rungs, running maxima), so re-validating them every round would
        only cost time. Arrays are made read-only here.
        """
        out = object.__new__(cls)
        for f in dataclasses.fields(cls):
            arr = np.asarray(fields[f.name], dtype=float)
            if arr.flags.writeable:
                arr = arr.copy() if arr.base is not None else arr
                arr.flags.writeable = False
            object.__setattr__(out, f.name, arr)
        return out

    def _with(self, **changes: NDArray[np.float64]) -> State:
        """Internal, unchecked :meth:`replace` for engine-derived arrays."""
        return State._trusted(
            **{f.name: changes.get(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)}
        )

    @property
    def n(self) -> int:
        """Number of countries."""
        return int(self.tariff.shape[0])

    def replace(self, **changes: Any) -> State:
        """A copy with fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_tariff(self, world: World, importer: str, exporter: str, level: float) -> State:
        """A copy with one headline tariff set (its peak updated).

        Parameters
        ----------
        world : World
            The world whose country order the state's ``(n, n)`` arrays follow.
        importer, exporter : str
            Country codes: ``importer`` levies the tariff on goods from ``exporter``.
        level : float
            Ad valorem tariff as a fraction (1.45 = 145%), >= 0. It need not be
            on a ladder (ladders bind moves and scenario events, not states).

        Returns
        -------
        State
            A new state; ``tariff[i, j] == level`` and ``peak[i, j] >=
            level``; every other field is unchanged.

        Raises
        ------
        ParameterError
            If ``level`` is negative or not finite.
        UnknownNameError
            If a code is not a country of ``world``.

        Examples
        --------
        >>> w = ts.World.default()
        >>> s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45)
        >>> float(s.tariff[w.index("US"), w.index("CN")]), float(s.peak.max())
        (1.45, 1.45)
        """
        if not math.isfinite(level) or level < 0:
            raise ParameterError(
                f"tariff[{importer}, {exporter}]: must be finite and >= 0; got {level!r}."
            )
        t = self.tariff.copy()
        i, j = world.index(importer), world.index(exporter)
        t[i, j] = level
        return self.replace(tariff=t, peak=np.maximum(self.peak, t))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f.name).tobytes() for f in dataclasses.fields(self)))


def apply_moves(
    world: World,
    state: State,
    moves: Mapping[tuple[str, str], int] | Iterable[tuple[tuple[str, str], int]],
    *,
    controls: Mapping[tuple[str, str], int] | None = None,
) -> State:
    """Apply one simultaneous action profile: each dyad steps along its ladder.

    Parameters
    ----------
    world : World
    state : State
    moves : mapping of (importer, exporter) to int
        -1 de-escalate, 0 hold, +1 escalate, per active tariff dyad. Dyads not
        named hold.
    controls : mapping of (withholder, target) to int, optional
        Moves on export-control ladders.

    Returns
    -------
    State
        New levels; ``peak`` is the running maximum; ``moved`` the signed size
        of each change; ``shock`` is reset to zero (shocks last one round).

    Raises
    ------
    ParameterError
        If a move is not -1, 0 or +1, or a dyad has no ladder.

    Examples
    --------
    >>> w = ts.World.default()
    >>> s = ts.apply_moves(w, ts.State.zeros(w.n), {("US", "CN"): +1})
    >>> float(s.tariff[0, 1])
    0.1
    """
    items = moves.items() if isinstance(moves, Mapping) else moves
    t = state.tariff.copy()
    for (a, b), m in items:
        if m not in (-1, 0, 1):
            raise ParameterError(f"moves[{a}, {b}]: must be -1, 0 or +1; got {m!r}.")
        if (a, b) not in world.ladders:
            raise ParameterError(
                f"moves[{a}, {b}]: no tariff ladder for this dyad; "
                f"active dyads: {list(world.ladders)}."
            )
        i, j = world.index(a), world.index(b)
        t[i, j] = world.ladders[(a, b)].step(t[i, j], m)
    c = state.control.copy()
    for (a, b), m in (controls or {}).items():
        if m not in (-1, 0, 1):
            raise ParameterError(f"controls[{a}, {b}]: must be -1, 0 or +1; got {m!r}.")
        if (a, b) not in world.control_ladders:
            raise ParameterError(f"controls[{a}, {b}]: no export-control ladder for this dyad.")
        i, j = world.index(a), world.index(b)
        c[i, j] = world.control_ladders[(a, b)].step(c[i, j], m)
    return State._trusted(
        tariff=t,
        control=c,
        peak=np.maximum(state.peak, t),
        moved=t - state.tariff,
        support=state.support,
        shock=np.zeros(state.n),
    )


@dataclass(frozen=True, eq=False)
class StateBatch:
    """Many states at once: every field gains a leading batch axis.

    Payoff terms and solvers work on batches so that a whole set of states (or
    of action profiles' successor states) is evaluated in one vectorised call.

    Parameters
    ----------
    tariff, control, peak, moved : ndarray, shape (B, n, n)
    support, shock : ndarray, shape (B, n)

    Examples
    --------
    >>> b = ts.StateBatch.stack([ts.State.zeros(3), ts.State.zeros(3)])
    >>> b.tariff.shape
    (2, 3, 3)
    """

    tariff: NDArray[np.float64]
    control: NDArray[np.float64]
    peak: NDArray[np.float64]
    moved: NDArray[np.float64]
    support: NDArray[np.float64]
    shock: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    @property
    def n(self) -> int:
        """Number of countries."""
        return int(self.tariff.shape[-1])

    @classmethod
    def stack(cls, states: Sequence[State]) -> StateBatch:
        """Stack states into a batch."""
        if not states:
            raise ParameterError("`states` must hold at least one State.")
        return cls(
            **{
                f.name: np.stack([getattr(s, f.name) for s in states])
                for f in dataclasses.fields(State)
            }
        )

    @classmethod
    def of(cls, state: State | StateBatch) -> StateBatch:
        """A batch from a single state (batch of one) or a batch (unchanged)."""
        if isinstance(state, StateBatch):
            return state
        if isinstance(state, State):
            return cls.stack([state])
        raise ParameterError(f"expected a State or StateBatch; got {type(state).__name__}.")

    @classmethod
    def from_tariffs(cls, tariff: ArrayLike, *, previous: State | None = None) -> StateBatch:
        """A batch of states differing only in their tariff matrices.

        Parameters
        ----------
        tariff : array_like, shape (B, n, n)
        previous : State, optional
            The state these follow from: supplies controls, support and shock,
            and ``moved``/``peak`` are computed against it. Without it the
            states are taken as reached from themselves (``moved`` zero).
        """
        t = np.asarray(tariff, dtype=float)
        if t.ndim != 3 or t.shape[1] != t.shape[2]:
            raise ParameterError(f"`tariff` must have shape (B, n, n); got {t.shape}.")
        b, n = t.shape[0], t.shape[1]
        if previous is None:
            z = np.zeros((b, n, n))
            zn = np.zeros((b, n))
            return cls(tariff=t, control=z, peak=t, moved=z, support=zn, shock=zn.copy())
        return cls(
            tariff=t,
            control=np.broadcast_to(previous.control, t.shape),
            peak=np.maximum(previous.peak, t),
            moved=t - previous.tariff,
            support=np.broadcast_to(previous.support, (b, n)),
            shock=np.broadcast_to(previous.shock, (b, n)),
        )

    def __getitem__(self, k: int) -> State:
        return State(**{f.name: getattr(self, f.name)[k] for f in dataclasses.fields(State)})
