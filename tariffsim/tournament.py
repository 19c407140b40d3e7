"""Tournaments between strategies, and evolutionary dynamics over their payoffs.

:func:`round_robin` pits every strategy against every other (and itself) on one
dyad of a world — by default the US–China pair of a scenario — with
repetitions, execution noise and a seed. :func:`lineup_tournament` fills every
agent seat of a scenario with strategies (all line-ups, or those given) and
plays the scenario itself: its events, beliefs and calendar. Both return a
frozen :class:`TournamentResult` with, per strategy, the mean payoff (% of GDP
per round), mean and peak tariff, rounds at war, recession odds, a ranking and
a pairwise payoff matrix.

:func:`replicator_dynamics` and :func:`moran_process` then follow a population
of strategies whose fitness is that payoff matrix.

Reproducibility: match ``k`` draws from ``np.random.SeedSequence(seed).spawn``'s
``k``-th child, so the same seed gives the same results whatever the number
of worker processes.

Every match is a game played by the engine: match ``k`` is exactly
``simulate(game, rounds, seed=child k)`` of its game (a bilateral match: a
:class:`~tariffsim.game.Game` with the two seats, the noise, the initial state
and the calendar, decision steps included). For speed, matches are played many
at once by :func:`tariffsim.simulate_batch`, whose every run equals
``simulate`` with its seed whatever the batch: the repetitions of a line-up
and, in a game without events or threats, the line-ups of tariffsim's own
strategies together (each seat plays each run's strategy). A test checks every
pair of built-in strategies against ``simulate``. Matches between
deterministic strategies without noise are played once and reused for every
repetition.
"""

from __future__ import annotations

__all__ = [
    "EvolutionResult",
    "TournamentResult",
    "lineup_tournament",
    "moran_process",
    "play_match",
    "replicator_dynamics",
    "round_robin",
]

import dataclasses
import itertools
import math
import numbers
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import limits
from . import strategies as _registered  # noqa: F401  (registers the strategies by name)
from ._util import (
    did_you_mean,
    finite_number,
    literal_text,
    one_of,
    probability,
    real_array,
    short_repr,
    whole_number,
)
from ._util import frozen_array as _ro
from .agents import Hold, Observation, Strategy, Traits, make_strategy, targets_of
from .engine import _own_strategy, _paced, may_draw, record_bytes, simulate_batch
from .equilibrium._validate import (
    check_bool,
    check_int,
    check_int_vector,
    check_real,
    check_rng,
)
from .errors import MissingExtraError, ParameterError
from .game import Game
from .payoffs import PayoffModel
from .world import State, World

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .engine import BatchObservation, PathBatch
    from .scenario import Scenario

__all__ = [
    "EvolutionResult",
    "TournamentResult",
    "lineup_tournament",
    "moran_process",
    "play_match",
    "replicator_dynamics",
    "round_robin",
]

Array = NDArray[np.float64]
_STATS = ("payoff", "mean_tariff", "peak_tariff", "war_rounds", "recession")


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TournamentResult:
    """Per-match, per-seat statistics of a tournament, and summaries per strategy.

    Attributes
    ----------
    names : tuple of str
        Strategy names, the order of every strategy axis.
    seats : tuple of str
        Country codes of the seats (``("US", "CN")`` for a bilateral round robin).
    lineups : ndarray of int, shape (M, k)
        Strategy index in each seat of each match.
    match_payoff : ndarray, shape (M, k)
        Mean true payoff per round of each seat, % of GDP.
    match_mean_tariff, match_peak_tariff : ndarray, shape (M, k)
        Mean and highest tariff the seat levied on its targets (fraction).
    match_war_rounds : ndarray, shape (M, k)
        Rounds in which the seat and one of its targets both levied at least
        ``war_threshold`` on each other.
    match_recession : ndarray, shape (M, k)
        Mean recession odds of the seat's country.
    rounds, repetitions : int
    noise : float
    seed : int
    war_threshold : float
    kind : {"bilateral", "lineup"}

    Examples
    --------
    >>> r = ts.tournament.round_robin(["tit-for-tat", "always-escalate"], rounds=10, repetitions=1)
    >>> r.ranking[0]
    'tit-for-tat'
    >>> r.payoff_matrix.shape
    (2, 2)
    """

    names: tuple[str, ...]
    seats: tuple[str, ...]
    lineups: NDArray[np.int64]
    match_payoff: Array
    match_mean_tariff: Array
    match_peak_tariff: Array
    match_war_rounds: Array
    match_recession: Array
    rounds: int
    repetitions: int
    noise: float
    seed: int
    war_threshold: float
    kind: str = "bilateral"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lineups", _ro(self.lineups, np.int64))
        for s in _STATS:
            object.__setattr__(self, f"match_{s}", _ro(getattr(self, f"match_{s}")))

    def _per_strategy(self, stat: str) -> Array:
        vals = getattr(self, f"match_{stat}")
        s = len(self.names)
        tot = np.bincount(self.lineups.ravel(), weights=vals.ravel(), minlength=s)
        cnt = np.bincount(self.lineups.ravel(), minlength=s)
        out = np.full(s, np.nan)
        np.divide(tot, cnt, out=out, where=cnt > 0)
        return _ro(out)

    @property
    def mean_payoff(self) -> Array:
        """Mean payoff per round of each strategy, over its seats and matches (% of GDP)."""
        return self._per_strategy("payoff")

    @property
    def mean_tariff(self) -> Array:
        """Mean tariff each strategy levied (fraction)."""
        return self._per_strategy("mean_tariff")

    @property
    def peak_tariff(self) -> Array:
        """Mean over matches of the highest tariff each strategy levied (fraction)."""
        return self._per_strategy("peak_tariff")

    @property
    def war_rounds(self) -> Array:
        """Mean number of rounds at war per match, per strategy."""
        return self._per_strategy("war_rounds")

    @property
    def recession(self) -> Array:
        """Mean recession odds of the countries each strategy played."""
        return self._per_strategy("recession")

    @property
    def ranking(self) -> tuple[str, ...]:
        """Strategy names by mean payoff, best first (ties keep input order)."""
        order = np.argsort(-self.mean_payoff, kind="stable")
        return tuple(self.names[k] for k in order)

    @property
    def payoff_matrix(self) -> Array:
        """``[a, b]``: mean payoff of strategy ``a`` in matches where ``b`` holds another seat.

        NaN where ``a`` never met ``b``.
        """
        s = len(self.names)
        tot = np.zeros((s, s))
        cnt = np.zeros((s, s))
        k = self.lineups.shape[1]
        for x in range(k):
            for y in range(k):
                if x != y:
                    np.add.at(
                        tot, (self.lineups[:, x], self.lineups[:, y]), self.match_payoff[:, x]
                    )
                    np.add.at(cnt, (self.lineups[:, x], self.lineups[:, y]), 1.0)
        out = np.full((s, s), np.nan)
        np.divide(tot, cnt, out=out, where=cnt > 0)
        return _ro(out)

    def summary(self) -> list[dict[str, Any]]:
        """One dict per strategy, in ranking order.

        Examples
        --------
        >>> r = ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=5, repetitions=1)
        >>> sorted(r.summary()[0])
        ['mean_payoff', 'mean_tariff', 'peak_tariff', 'rank', 'recession', 'strategy', 'war_rounds']
        """
        rows = []
        order = np.argsort(-self.mean_payoff, kind="stable")
        for rank, k in enumerate(order, 1):
            rows.append(
                {
                    "rank": rank,
                    "strategy": self.names[k],
                    "mean_payoff": float(self.mean_payoff[k]),
                    "mean_tariff": float(self.mean_tariff[k]),
                    "peak_tariff": float(self.peak_tariff[k]),
                    "war_rounds": float(self.war_rounds[k]),
                    "recession": float(self.recession[k]),
                }
            )
        return rows

    def table(self) -> str:
        """The summary as text: payoff % GDP, tariffs and recession odds in %.

        Examples
        --------
        >>> r = ts.tournament.round_robin(["hold", "always-escalate"], rounds=5, repetitions=1)
        >>> r.table().splitlines()[0].split()[:3]
        ['rank', 'strategy', 'payoff']
        """
        width = max(8, *(len(n) for n in self.names))
        lines = [
            f"{'rank':>4}  {'strategy':<{width}}  {'payoff':>8}  {'mean %':>7}  "
            f"{'peak %':>7}  {'war':>6}  {'rec %':>6}"
        ]
        for r in self.summary():
            lines.append(
                f"{r['rank']:>4}  {r['strategy']:<{width}}  {r['mean_payoff']:>8.4f}  "
                f"{100 * r['mean_tariff']:>7.1f}  {100 * r['peak_tariff']:>7.1f}  "
                f"{r['war_rounds']:>6.1f}  {100 * r['recession']:>6.1f}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<TournamentResult {self.kind}: {len(self.names)} strategies, "
            f"{len(self.lineups)} matches × {self.rounds} rounds, seats {', '.join(self.seats)}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: the ranking table (payoff % of GDP; tariffs and recession in %)."""
        import html

        from .path import html_table

        rows = [
            (
                r["rank"],
                r["strategy"],
                f"{r['mean_payoff']:.4f}",
                f"{100 * r['mean_tariff']:.1f}",
                f"{100 * r['peak_tariff']:.1f}",
                f"{r['war_rounds']:.1f}",
                f"{100 * r['recession']:.1f}",
            )
            for r in self.summary()
        ]
        head = ["rank", "strategy", "payoff (% GDP)", "mean tariff %", "peak tariff %",
                "war rounds", "recession %"]  # fmt: skip
        return f"<div><b>{html.escape(repr(self))}</b>{html_table(head, rows)}</div>"

    def to_frame(self, by: str = "strategy") -> Any:
        """The results as a pandas DataFrame (needs pandas).

        Parameters
        ----------
        by : {"strategy", "match"}
            ``"strategy"``: :meth:`summary`, one row per strategy indexed by
            name, in ranking order. ``"match"``: one row per match and seat
            (columns ``match``, ``seat``, ``strategy`` and the per-match
            statistics), for your own grouping and plots.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'tariffsim[pandas]'``).
        ParameterError
            If ``by`` is neither ``"strategy"`` nor ``"match"``.
        """
        if not one_of(by, ("strategy", "match")):
            raise ParameterError(f"`by` must be 'strategy' or 'match'; got {by!r}.")
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "TournamentResult.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        if by == "strategy":
            return pd.DataFrame(self.summary()).set_index("strategy")
        return pd.DataFrame(self.match_rows())

    to_pandas = to_frame

    def match_rows(self) -> list[dict[str, Any]]:
        """One dict per match and seat: strategy and that seat's statistics.

        Examples
        --------
        >>> r = ts.tournament.round_robin(["hold", "always-escalate"], rounds=5, repetitions=1)
        >>> sorted(r.match_rows()[0])
        ['match', 'mean_tariff', 'payoff', 'peak_tariff', 'recession', 'seat', 'strategy',
         'war_rounds']
        """
        rows = []
        for m in range(len(self.lineups)):
            for k, seat in enumerate(self.seats):
                row: dict[str, Any] = {
                    "match": m,
                    "seat": seat,
                    "strategy": self.names[int(self.lineups[m, k])],
                }
                for stat in _STATS:
                    row[stat] = float(getattr(self, f"match_{stat}")[m, k])
                rows.append(row)
        return rows

    @literal_text
    def ranking_plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of mean payoff per strategy, best on top.

        Examples
        --------
        >>> r = ts.tournament.round_robin(["hold", "always-escalate"], rounds=5, repetitions=1)
        >>> r.ranking_plot().get_xlabel()
        'mean payoff per round (% of GDP)'
        """
        from .plotting import _pyplot_axes

        ax = _pyplot_axes(ax)
        order = np.argsort(-self.mean_payoff, kind="stable")[::-1]
        ax.barh([self.names[k] for k in order], self.mean_payoff[order], color="tab:blue")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel("mean payoff per round (% of GDP)")
        ax.set_title(f"{self.kind} tournament ranking ({', '.join(self.seats)})")
        return ax

    def payoff_heatmap(self, ax: Axes | None = None) -> Axes:
        """Heatmap of :attr:`payoff_matrix` (row strategy's payoff against column).

        Examples
        --------
        >>> r = ts.tournament.round_robin(["hold", "always-escalate"], rounds=5, repetitions=1)
        >>> r.payoff_heatmap().get_ylabel()
        'strategy'
        """
        from .plotting import _pyplot_axes

        ax = _pyplot_axes(ax)
        m = self.payoff_matrix
        im = ax.imshow(m, cmap="RdYlGn", aspect="auto")
        n = len(self.names)
        ax.set_xticks(range(n), self.names, rotation=60, ha="right")
        ax.set_yticks(range(n), self.names)
        for a in range(n):
            for b in range(n):
                if np.isfinite(m[a, b]):
                    ax.text(b, a, f"{m[a, b]:.2f}", ha="center", va="center", fontsize=7)
        ax.set_xlabel("against")
        ax.set_ylabel("strategy")
        ax.figure.colorbar(im, ax=ax, label="mean payoff per round (% of GDP)")
        return ax


# ---------------------------------------------------------------------------
# matches: played by the engine
# ---------------------------------------------------------------------------
_BATCH_RUNS = 512
"""Most matches played in one :func:`~tariffsim.engine.simulate_batch` call."""
_BATCH_BYTES = 32 << 20
"""Most bytes of the record of one such call (fewer matches at once for long matches)."""


def play_match(
    world: World,
    model: PayoffModel,
    strategies: Mapping[str, Strategy],
    *,
    rounds: int = 200,
    noise: float = 0.0,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    initial: State | None = None,
    targets: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Array, Array, Array]:
    """Play one match: tariffs, payoffs and recession odds per round.

    The match is ``ts.simulate(Game(world, model, agents, noise=noise,
    initial=initial), rounds, rng=rng)``, played by that same call: agents with
    true beliefs, no events, no ``active_from``, and the game's default
    calendar (weekly rounds of daily decision steps, so a paced strategy such
    as the myopic best response moves up to once a step).

    Parameters
    ----------
    world : World
    model : PayoffModel
        True payoffs (also what the strategies perceive).
    strategies : mapping of str to Strategy
        ``{country: strategy}``; order is the agents' order.
    rounds : int
    noise : float
        Probability each move is replaced by a random one.
    rng : int, Generator or SeedSequence, optional
        As for :func:`tariffsim.simulate` (a Generator's streams are spawned
        from it, as there).
    initial : State, optional
        Default free trade.
    targets : mapping of str to sequence of str, optional
        Targets of each country (default: every dyad it has a ladder on).

    Returns
    -------
    tariffs : ndarray, shape (rounds + 1, n, n)
        Row 0 is the start.
    payoff : ndarray, shape (rounds, n)
        True payoff of every country in rounds 1..R, % of GDP.
    recession : ndarray, shape (rounds, n)

    Examples
    --------
    >>> w = ts.World.default(); m = ts.PayoffModel(w)
    >>> t, pay, rec = ts.tournament.play_match(
    ...     w, m, {"US": ts.make_strategy("always-escalate"), "CN": ts.TitForTat()},
    ...     rounds=3, targets={"US": ["CN"], "CN": ["US"]})
    >>> [round(float(x), 2) for x in t[:, 1, 0]]  # China answers a round later
    [0.0, 0.0, 0.1, 0.15]
    """
    from .game import Agent, _check_rounds, simulate

    rounds = _check_rounds(rounds)
    _check_noise(noise)
    agents = []
    for c, s in strategies.items():
        tg = None if targets is None else targets.get(c)
        agents.append(
            Agent(c, s, None if tg is None else tuple([tg] if isinstance(tg, str) else tg))
        )
    game = Game(world, model, agents=tuple(agents), noise=float(noise), initial=initial)
    path = simulate(game, rounds, rng=rng)
    return np.array(path.tariff), np.array(path.payoff[1:]), np.array(path.recession[1:])


def _check_noise(noise: Any) -> None:
    probability(noise, "noise")


def _run_key(rng: np.random.Generator) -> tuple[Any, ...]:
    """The seed of the run whose agent draws from ``rng``, as ``(entropy, spawn key)``.

    The engine gives agent ``k`` of the run seeded by the SeedSequence ``s`` the
    generator of ``s``'s child ``k`` (:mod:`tariffsim.engine`, "Random streams"):
    its spawn key is ``s``'s with ``k`` appended.
    """
    ss: Any = rng.bit_generator.seed_seq
    return (ss.entropy, tuple(ss.spawn_key[:-1]))


def _seed_key(ss: np.random.SeedSequence) -> tuple[Any, ...]:
    """``(entropy, spawn key)`` of a match's seed: what :func:`_run_key` finds of its runs."""
    return (ss.entropy, tuple(ss.spawn_key))


class _Masked(Sequence[np.random.Generator]):
    """``rngs`` in the runs ``own``, a scratch generator (made if asked for) in the others."""

    def __init__(self, rngs: Sequence[np.random.Generator], own: NDArray[np.bool_]) -> None:
        self.rngs, self.own = rngs, own
        self.scratch: np.random.Generator | None = None

    def __len__(self) -> int:
        return len(self.own)

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[q] for q in range(*r.indices(len(self)))]
        if self.own[r]:
            return self.rngs[r]
        if self.scratch is None:
            self.scratch = np.random.default_rng(0)
        return self.scratch


@dataclass(frozen=True, eq=False)
class _Mixed:
    """One seat of a batch of matches with different line-ups: each run plays its match's strategy.

    Every strategy decides on the whole batch (tariffsim's own strategies decide
    each run from that run alone), each run keeping the moves of its own, which
    draws from the run's generator as it would alone; the others draw from a
    scratch generator. ``which`` maps a run's seed (:func:`_seed_key`) to its
    strategy. All the strategies are paced or none is (:func:`_batches`), so the
    engine asks this seat at the decision steps it would ask each of them.
    """

    strategies: tuple[Strategy, ...]
    which: Mapping[tuple[Any, ...], int]
    traits: Traits
    name: str = "line-ups"

    def act(self, obs: Observation, rng: np.random.Generator) -> Any:
        """The moves of the run's own strategy."""
        return self.strategies[self.which[_run_key(rng)]].act(obs, rng)

    def act_batch(self, bobs: BatchObservation, rngs: Sequence[np.random.Generator]) -> Any:
        """Each run's moves by its own strategy."""
        pick = np.fromiter(
            (self.which[_run_key(rngs[q])] for q in range(bobs.runs)), np.intp, bobs.runs
        )
        out = np.zeros((bobs.runs, len(bobs.targets)), dtype=np.int8)
        for s in np.unique(pick).tolist():
            own = pick == s
            out[own] = bobs.act_with(self.strategies[s], _Masked(rngs, own))[own]
        return out


# -- work units (top level, so that worker processes can unpickle them) ------------
@dataclass(frozen=True)
class _MatchJob:
    """What the matches of a tournament share.

    ``game``'s agents are the seats: a match puts ``strategies[lineup[k]]`` in
    seat ``k`` (its targets, beliefs and ``active_from`` kept) and is
    ``simulate(game with those strategies, rounds, seed=its seed)``.
    """

    game: Game
    strategies: tuple[Strategy, ...]
    rounds: int
    threshold: float


def _seated(job: _MatchJob, specs: Sequence[tuple[tuple[int, ...], Any]]) -> Game:
    """The game of a batch of matches: each seat's strategy, or a :class:`_Mixed` of them."""
    g = job.game
    agents = []
    for k, a in enumerate(g.agents):
        picked = [lineup[k] for lineup, _ in specs]
        kinds = sorted(set(picked))
        if len(kinds) == 1:
            strategy: Any = job.strategies[kinds[0]]
        else:
            objs = tuple(job.strategies[x] for x in kinds)
            paced = _paced(objs[0])
            strategy = _Mixed(
                objs,
                {_seed_key(ss): kinds.index(x) for x, (_, ss) in zip(picked, specs, strict=True)},
                Traits(memory_depth=math.inf, stochastic=not paced, paced=paced),
            )
        agents.append(dataclasses.replace(a, strategy=strategy))
    return g.replace(agents=tuple(agents))


def _batches(
    job: _MatchJob, specs: Sequence[tuple[tuple[int, ...], Any]], record: str
) -> list[tuple[list[int], Game]]:
    """The matches ``specs`` in batches, each played by one ``simulate_batch`` call.

    Runs of one game: the repetitions of a line-up. In a game without events
    or threats (nothing but the agents' moves changes the state), line-ups of
    tariffsim's own strategies share batches too, seat by seat in a
    :class:`_Mixed` (by whether each seat's strategy is paced, so that the
    engine takes the same decision steps as in each match alone). A strategy
    of the user's is never mixed: it decides only in the runs of its own
    line-up (it might keep state, or do other work for the runs of others).
    """
    g = job.game
    mix = not g.events and not g.threats
    groups: dict[tuple[Any, ...], list[int]] = {}
    for m, (lineup, _) in enumerate(specs):
        objs = [job.strategies[x] for x in lineup]
        if mix and all(_own_strategy(s) for s in objs):
            key: tuple[Any, ...] = ("mixed", *(_paced(s) for s in objs))
        else:
            key = ("lineup", *lineup)
        groups.setdefault(key, []).append(m)
    out = []
    for members in groups.values():
        first = _seated(job, [specs[members[0]]])
        per_run = max(1, record_bytes(first, job.rounds, 1, record))
        cap = max(1, min(_BATCH_RUNS, _BATCH_BYTES // per_run))
        for a in range(0, len(members), cap):
            rows = members[a : a + cap]
            out.append((rows, _seated(job, [specs[m] for m in rows])))
    return out


def _seat_stats(
    pb: PathBatch, seats: Sequence[tuple[str, Sequence[str]]], threshold: float
) -> NDArray[np.float64]:
    """Stats (R, len(_STATS), k) of each seat ``(code, [targets])`` in each run of ``pb``.

    Each run's means are taken over that run's rounds alone, in order (as of one
    match's arrays).
    """
    runs, rounds = len(pb), pb.rounds
    out = np.zeros((runs, len(_STATS), len(seats)))
    for s, (me, targets) in enumerate(seats):
        i = pb.codes.index(me)
        if targets:  # (R, T, J), each run's rounds and targets contiguous
            own = np.stack([pb.tariff_series(me, t)[:, 1:] for t in targets], axis=-1)
            back = np.stack([pb.tariff_series(t, me)[:, 1:] for t in targets], axis=-1)
        else:
            own = back = np.zeros((runs, rounds, 1))
        war = ((own >= threshold - 1e-12) & (back >= threshold - 1e-12)).any(axis=2)
        flat = own.reshape(runs, -1)
        out[:, 0, s] = np.ascontiguousarray(pb.payoff[:, 1:, i]).mean(axis=1)
        out[:, 1, s] = flat.mean(axis=1)
        out[:, 2, s] = flat.max(axis=1)
        out[:, 3, s] = war.sum(axis=1)
        out[:, 4, s] = np.ascontiguousarray(pb.recession[:, 1:, i]).mean(axis=1)
    return out


def _run_matches(
    job: _MatchJob, specs: Sequence[tuple[tuple[int, ...], Any]]
) -> NDArray[np.float64]:
    """Stats (M, len(_STATS), k) of the matches ``specs`` (line-up, seed), in order.

    Match ``m`` is ``simulate(its game, rounds, seed=its seed)``: run ``r`` of a
    ``simulate_batch`` call is that, whatever the other runs of its batch, so the
    results do not depend on how the matches are batched or chunked.
    """
    g = job.game
    w = g.world
    seats = [(a.code, [t for _, t in targets_of(w, a.code, a.targets)]) for a in g.agents]
    read = [d for me, ts_ in seats for t in ts_ for d in ((me, t), (t, me))]
    record = "compact" if all(d in w.ladders for d in read) else "full"
    out = np.zeros((len(specs), len(_STATS), len(g.agents)))
    for rows, game in _batches(job, specs, record):
        pb = simulate_batch(game, job.rounds, seeds=[specs[m][1] for m in rows], record=record)
        out[rows] = _seat_stats(pb, seats, job.threshold)
    return out


def _matches_chunk(
    job: _MatchJob, start: int, stop: int, specs: Sequence[tuple[tuple[int, ...], Any]]
) -> NDArray[np.float64]:
    return _run_matches(job, specs)


def _dispatch(
    fn: Any,
    job: Any,
    specs: list[Any],
    processes: int,
    executor: Any = None,
    progress: bool | None = None,
    desc: str = "matches",
) -> NDArray[np.float64]:
    """Play ``specs`` in chunks through :func:`tariffsim.analysis.runner.map_chunks`.

    Each spec carries its own seed, so the result does not depend on the
    chunking, the executor or the number of processes.
    """
    from .analysis.runner import executor_workers, local_pool, map_chunks

    if not specs:
        return fn(job, 0, 0, specs)
    kw: dict[str, Any] = {"payload": specs, "progress": progress, "desc": desc, "unit": "match",
                          "size_of": len}  # fmt: skip
    with local_pool(min(processes, len(specs))) as own:
        executor = own or executor
        workers = executor_workers(executor) if executor is not None else 1
        kw["chunk_size"] = _match_chunk(len(specs), workers)
        parts = map_chunks(fn, job, len(specs), executor=executor, **kw)
    return np.concatenate(parts)


def _match_chunk(n: int, workers: int) -> int:
    """Matches per chunk on ``workers`` workers (1 in this process): four chunks each, so that
    they finish near together and the bar moves by quarters at least (the engine's chunks of
    runs are sized for batches instead). In this process four chunks play in the time of one
    (a round robin of 12 strategies on ``us-china-145``: 14.1 s against 13.6-13.9 s; eight
    chunks took 17.3 s, as a chunk batches the line-ups that share a game).

    >>> _match_chunk(108, 2), _match_chunk(3, 2)
    (14, 1)
    """
    return max(1, -(-n // (4 * max(workers, 1))))


# ---------------------------------------------------------------------------
# public tournaments
# ---------------------------------------------------------------------------
def _strategies(
    strategies: Sequence[Strategy | str],
) -> tuple[tuple[Strategy, ...], tuple[str, ...]]:
    if isinstance(strategies, np.ndarray):  # (names in an array)
        strategies = strategies.tolist()
    if isinstance(strategies, str) or not isinstance(strategies, Sequence) or not strategies:
        raise ParameterError(
            f"`strategies` must be a non-empty sequence of strategies or names; got {strategies!r}."
        )
    limits.check("max_items", len(strategies), "strategies")
    objs: list[Strategy] = []
    for k, s in enumerate(strategies):
        if isinstance(s, str):
            objs.append(make_strategy(s))
        elif isinstance(s, type):
            raise ParameterError(
                f"`strategies[{k}]` is the class {s.__name__}; give an instance, {s.__name__}()."
            )
        elif isinstance(s, Strategy):
            objs.append(s)
        else:
            raise ParameterError(
                f"`strategies[{k}]` is not a Strategy or a name; got {short_repr(s)}."
            )
    given = [str(s.name) for s in objs]
    counts, known = Counter(given), set(given)
    names: list[str] = []
    taken: set[str] = set()
    following: dict[str, int] = {}  # the next number to try per repeated name
    for nm in given:  # repeats numbered in order (hold#1, hold#2), never a name already taken
        if counts[nm] == 1 and nm not in taken:
            label = nm
        else:
            k = following.get(nm, 1)
            while f"{nm}#{k}" in taken or f"{nm}#{k}" in known:
                k += 1
            following[nm] = k + 1
            label = f"{nm}#{k}"
        names.append(label)
        taken.add(label)
    return tuple(objs), tuple(names)


def _check_common(repetitions: Any, seed: Any, threshold: Any) -> None:
    whole_number(repetitions, "repetitions", 1)
    whole_number(seed, "seed", 0)
    if finite_number(threshold, "war_threshold") <= 0:  # tariffs are >= 0: at 0 every round
        raise ParameterError(
            f"`war_threshold` must be a tariff level > 0 (a fraction: 0.25 = 25%); "
            f"got {short_repr(threshold)}."
        )


def _check_executor(executor: Any, progress: Any, processes: Any) -> int:
    """Check where the matches play; the number of processes (None: 1)."""
    from .analysis.runner import check_executor, check_processes
    from .progress import progress_enabled

    check_executor(executor)
    progress_enabled(progress)
    return check_processes(processes, executor)


def _resolve_scenario(scenario: Scenario | Game | str | None) -> Scenario | None:
    """A scenario given by name, as a Scenario, or as a bare Game (its calendar and agents)."""
    if scenario is None:
        return None
    from .scenario import Scenario, load_scenario

    if isinstance(scenario, str):
        return load_scenario(scenario)
    if isinstance(scenario, Game):
        name = scenario.name or "game"
        return Scenario(name=name, title=name, description="", game=scenario)
    if not isinstance(scenario, Scenario):
        raise ParameterError(
            "`scenario` must be a Scenario, a Game, a scenario name or None; got "
            f"{short_repr(scenario)}."
        )
    return scenario


def round_robin(
    strategies: Sequence[Strategy | str],
    scenario: Scenario | Game | str | None = None,
    *,
    world: World | None = None,
    model: PayoffModel | None = None,
    dyad: tuple[str, str] | None = None,
    rounds: int = 200,
    repetitions: int = 5,
    noise: float = 0.0,
    seed: int = 0,
    processes: int | None = 1,
    war_threshold: float = 0.25,
    self_play: bool = True,
    executor: Any = None,
    progress: bool | None = None,
) -> TournamentResult:
    """Bilateral round robin: every ordered pair of strategies plays on one dyad.

    For each ordered pair ``(a, b)`` (``a`` in the seat of ``dyad[0]``, ``b``
    in the seat of ``dyad[1]``; both orders, and ``(a, a)`` when
    ``self_play``), ``repetitions`` matches of ``rounds`` rounds are played
    from the scenario's initial state, each side setting only its tariff on
    the other, paid the true payoffs. Each match is
    ``simulate(Game(world, model, agents, noise=noise, initial=initial), rounds,
    seed=its seed)`` (with the scenario's calendar: rounds of ``round_days``
    days, each of ``Game.steps`` decision steps at which paced strategies move).

    Parameters
    ----------
    strategies : sequence of Strategy or str
        Strategy objects or registered names (:data:`tariffsim.STRATEGIES`). A
        name given more than once is numbered in order (``hold#1``, ``hold#2``),
        so every entry of the result has its own label.
    scenario : Scenario, Game or str, optional
        Supplies the world, the true payoff model, the initial state and the
        calendar (``start``, ``round_days``, ``decision_days``; default a
        :class:`~tariffsim.game.Game`'s: weekly rounds of daily decisions).
    world, model : optional
        Used when no scenario is given (default ``World.default()`` and its
        default ``PayoffModel``).
    dyad : (str, str), optional
        The two countries that play; each needs a ladder on the other. Default: the
        scenario's first two agents (:attr:`~tariffsim.scenario.Scenario.players`), or
        ``("US", "CN")`` without a scenario (or with fewer than two agents).
    rounds, repetitions : int
    noise : float
        Probability each move is replaced by a random one.
    seed : int
        Match ``k`` uses child ``k`` of ``np.random.SeedSequence(seed)``.
    processes : int or None
        Worker processes (1 or None: play in this process): a process pool for the
        call (:func:`tariffsim.analysis.runner.local_pool`), an alternative to
        ``executor`` (both: ParameterError). Results do not depend on it.
    war_threshold : float
        A tariff level (fraction, 0.25 = 25%), finite and > 0: a round in which
        both seats levy at least it on each other counts as a round at war.
        Tariffs have no upper bound, so neither has it (above both ladders' top
        rungs, no round counts).
    self_play : bool
        Whether a strategy also meets itself (True or False).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to play the matches, in chunks (:func:`tariffsim.analysis.runner.map_chunks`).
        Results do not depend on it.
    progress : bool or None
        Progress bar over matches (:mod:`tariffsim.progress`; default: only in
        interactive sessions).

    Returns
    -------
    TournamentResult

    Raises
    ------
    ParameterError
        For an invalid argument or a dyad without ladders both ways.
    LimitError
        If ``rounds`` exceeds ``max_rounds``, there are more strategies than
        ``max_items``, more matches times repetitions than ``max_runs`` or more
        processes than ``max_workers`` (:mod:`tariffsim.limits`).

    Examples
    --------
    >>> r = ts.tournament.round_robin(["tit-for-tat", "firm-but-measured", "always-escalate"],
    ...                    rounds=20, repetitions=2, seed=1)
    >>> r.ranking[-1]
    'always-escalate'
    >>> r.lineups.shape  # 3 x 3 ordered pairs, 2 repetitions
    (18, 2)
    """
    from .game import _check_rounds

    objs, names = _strategies(strategies)
    rounds = _check_rounds(rounds)
    _check_noise(noise)
    _check_common(repetitions, seed, war_threshold)
    self_play = check_bool(self_play, "self_play")
    processes = _check_executor(executor, progress, processes)
    sc = _resolve_scenario(scenario)
    if sc is not None:
        world, model, initial = sc.world, sc.model, sc.game.initial
    else:
        world = world if world is not None else World.default()
        if not isinstance(world, World):
            raise ParameterError(f"`world` must be a World or None; got {short_repr(world)}.")
        model = model if model is not None else PayoffModel(world)
        initial = None
    if not isinstance(model, PayoffModel):
        raise ParameterError(f"`model` must be a PayoffModel or None; got {short_repr(model)}.")
    if model.world.codes != world.codes:
        raise ParameterError("`model` is for a different world than `world`.")
    if dyad is None:  # the scenario's own pair (it played US-CN whatever the scenario)
        who = sc.players if sc is not None else ()
        dyad = (who[0], who[1]) if len(who) >= 2 else ("US", "CN")
    if isinstance(dyad, str) or not isinstance(dyad, Sequence) or len(dyad) != 2:
        raise ParameterError(
            f"`dyad` must be a pair of country codes, e.g. ('US', 'CN'); got {short_repr(dyad)}."
        )
    a, b = dyad
    for d in ((a, b), (b, a)):
        world.index(d[0])
        world.index(d[1])
        if d not in world.ladders:
            raise ParameterError(
                f"`dyad`: no tariff ladder for ({d[0]}, {d[1]}); "
                f"active dyads: {list(world.ladders)}."
            )
    pairs = [(x, y) for x in range(len(objs)) for y in range(len(objs)) if self_play or x != y]
    if not pairs:  # (a ranking of no match is all NaN)
        raise ParameterError(
            "no match to play: one strategy with self_play=False; give two strategies or more, "
            "or self_play=True."
        )
    limits.check("max_runs", len(pairs) * repetitions, "matches times repetitions")
    seeds = np.random.SeedSequence(seed).spawn(len(pairs) * repetitions)
    specs: list[tuple[tuple[int, int], np.random.SeedSequence]] = []
    where: list[int] = []  # match -> index into played specs
    for p, (x, y) in enumerate(pairs):
        cached = noise == 0 and not may_draw(objs[x]) and not may_draw(objs[y])
        for rep in range(repetitions):
            if cached and rep > 0:
                where.append(where[-1])
                continue
            where.append(len(specs))
            specs.append(((x, y), seeds[p * repetitions + rep]))
    from .game import Agent

    cal = sc.game if sc is not None else Game(world, model)  # the calendar
    seats = (Agent(a, Hold(), (b,)), Agent(b, Hold(), (a,)))
    game = Game(world, model, agents=seats, noise=float(noise), initial=initial, start=cal.start,
                round_days=cal.round_days, decision_days=cal.decision_days)  # fmt: skip
    job = _MatchJob(game, objs, rounds, float(war_threshold))
    played = _dispatch(_matches_chunk, job, specs, processes, executor, progress)
    stats = played[np.asarray(where, dtype=np.int64)]
    lineups = np.repeat(np.asarray(pairs, dtype=np.int64), repetitions, axis=0)
    return _result(stats, lineups, names, (a, b), rounds, repetitions, noise, seed,
                   war_threshold, "bilateral", sc)  # fmt: skip


def _result(
    stats: NDArray[np.float64],
    lineups: NDArray[np.int64],
    names: tuple[str, ...],
    seats: tuple[str, ...],
    rounds: int,
    repetitions: int,
    noise: float,
    seed: int,
    threshold: float,
    kind: str,
    sc: Scenario | None,
) -> TournamentResult:
    return TournamentResult(
        names=names,
        seats=seats,
        lineups=lineups,
        match_payoff=stats[:, 0],
        match_mean_tariff=stats[:, 1],
        match_peak_tariff=stats[:, 2],
        match_war_rounds=stats[:, 3],
        match_recession=stats[:, 4],
        rounds=rounds,
        repetitions=repetitions,
        noise=float(noise),
        seed=seed,
        war_threshold=float(threshold),
        kind=kind,
        meta={"scenario": sc.name if sc is not None else ""},
    )


def lineup_tournament(
    scenario: Scenario | Game | str,
    strategies: Sequence[Strategy | str],
    *,
    lineups: Sequence[Sequence[int | str]] | None = None,
    rounds: int | None = None,
    repetitions: int = 5,
    noise: float | None = None,
    seed: int = 0,
    processes: int | None = 1,
    war_threshold: float = 0.25,
    executor: Any = None,
    progress: bool | None = None,
) -> TournamentResult:
    """Play a scenario with every line-up of strategies in its agents' seats.

    Each line-up puts one strategy in each agent seat of the scenario (its
    targets, beliefs, learning and ``active_from`` kept) and plays the whole
    scenario — events and calendar included — with :func:`tariffsim.simulate`.

    Parameters
    ----------
    scenario : Scenario, Game or str
        A bundled scenario's name, a scenario, or a game (e.g. one with a
        country added: :meth:`tariffsim.world.World.add_country`).
    strategies : sequence of Strategy or str
    lineups : sequence of sequence, optional
        Each a strategy (index into ``strategies`` or name) per agent seat, in
        the scenario's agent order. Default: every assignment
        (``len(strategies) ** n_agents`` line-ups).
    rounds : int, optional
        Default the scenario's.
    repetitions : int
    noise : float, optional
        Default the scenario's.
    seed, processes, war_threshold, executor, progress
        As for :func:`round_robin`.

    Returns
    -------
    TournamentResult
        ``seats`` are the scenario's agents.

    Examples
    --------
    >>> r = ts.tournament.lineup_tournament("us-china-145", ["myopic", "firm-but-measured"],
    ...                          rounds=12, repetitions=1)
    >>> r.seats, r.lineups.shape
    (('US', 'CN'), (4, 2))
    """
    from .game import _check_rounds

    sc = _resolve_scenario(scenario)
    if sc is None:
        raise ParameterError("`scenario` is required.")
    objs, names = _strategies(strategies)
    game = sc.game
    rounds = _check_rounds(game.rounds if rounds is None else rounds)
    if noise is not None:
        _check_noise(noise)
        game = game.replace(noise=float(noise))
    _check_common(repetitions, seed, war_threshold)
    processes = _check_executor(executor, progress, processes)
    k = len(game.agents)
    if k == 0:
        raise ParameterError(f"scenario {sc.name!r} has no agents to seat strategies in.")
    if lineups is None:
        limits.check("max_runs", len(objs) ** k * repetitions, "line-ups times repetitions")
        lus = [tuple(x) for x in itertools.product(range(len(objs)), repeat=k)]
    else:
        if isinstance(lineups, np.ndarray):  # (a result's own `lineups`, or any 2-d array)
            lineups = lineups.tolist()
        if isinstance(lineups, str | bytes) or not isinstance(lineups, Sequence) or not lineups:
            raise ParameterError(
                "`lineups` must be a non-empty sequence of line-ups (one strategy per agent); "
                f"got {short_repr(lineups)}."
            )
        lus = []
        for m, lu in enumerate(lineups):
            if isinstance(lu, str | bytes) or not isinstance(lu, Sequence):
                raise ParameterError(
                    f"`lineups[{m}]` must be a sequence of {k} strategies (one per agent); "
                    f"got {short_repr(lu)}."
                )
            if isinstance(lu, np.ndarray):
                lu = lu.tolist()
            row = []
            for s in lu:
                if isinstance(s, np.str_ | np.integer) and not isinstance(s, np.bool_):
                    s = s.item()
                if isinstance(s, str):
                    if s not in names:
                        raise ParameterError(
                            f"`lineups[{m}]`: unknown strategy {s!r}; "
                            f"{did_you_mean(s, names)}known: {', '.join(names)}."
                        )
                    row.append(names.index(s))
                elif isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(objs):
                    row.append(int(s))
                else:
                    raise ParameterError(
                        f"`lineups[{m}]`: bad entry {short_repr(s)}; an entry is a strategy's "
                        f"index in [0, {len(objs)}) or its name ({', '.join(names)})."
                    )
            if len(row) != k:
                raise ParameterError(
                    f"`lineups[{m}]` must name {k} strategies (one per agent); got {len(row)}."
                )
            lus.append(tuple(row))
    limits.check("max_runs", len(lus) * repetitions, "line-ups times repetitions")
    seeds = np.random.SeedSequence(seed).spawn(len(lus) * repetitions)
    specs = [
        (lu, seeds[p * repetitions + r]) for p, lu in enumerate(lus) for r in range(repetitions)
    ]
    job = _MatchJob(game, objs, rounds, float(war_threshold))
    stats = _dispatch(_matches_chunk, job, specs, processes, executor, progress)
    lineup_arr = np.repeat(np.asarray(lus, dtype=np.int64), repetitions, axis=0)
    return _result(stats, lineup_arr, names, tuple(a.code for a in game.agents), rounds,
                   repetitions, game.noise, seed, war_threshold, "lineup", sc)  # fmt: skip


# ---------------------------------------------------------------------------
# evolutionary dynamics
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EvolutionResult:
    """Shares of each strategy in a population over time.

    Attributes
    ----------
    names : tuple of str
    shares : ndarray, shape (T + 1, S)
        Row ``t``: population shares after ``t`` steps (rows sum to 1).
    method : str
        ``"replicator"`` or ``"moran"``.
    fixated : str or None
        Moran process: the strategy that took over, if one did.

    Examples
    --------
    >>> res = ts.tournament.replicator_dynamics([[1, 0], [2, 0.5]], steps=200)
    >>> res.final.round(2).tolist()
    [0.0, 1.0]
    >>> ts.tournament.replicator_dynamics([[1, 0], [2, 0.5]], steps=50).final.round(2).tolist()
    [0.05, 0.95]
    """

    names: tuple[str, ...]
    shares: Array
    method: str
    fixated: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", _ro(self.shares))

    @property
    def final(self) -> Array:
        """Shares at the last step."""
        return self.shares[-1]

    def __repr__(self) -> str:
        top = sorted(zip(self.final, self.names, strict=True), key=lambda x: -x[0])
        shown = ", ".join(f"{n} {100 * float(v):.3g}%" for v, n in top[:5])
        more = f", … {len(top) - 5} more" if len(top) > 5 else ""
        end = f"; {self.fixated} took over" if self.fixated else ""
        return (
            f"<EvolutionResult ({self.method}): {len(self.names)} strategies, "
            f"{len(self.shares) - 1} steps; final shares {shown}{more}{end}>"
        )

    @literal_text
    def plot(self, ax: Axes | None = None) -> Axes:
        """Stacked shares over time.

        Examples
        --------
        >>> ts.tournament.replicator_dynamics([[1, 0], [2, 0.5]], steps=5).plot().get_ylabel()
        'population share'
        """
        import matplotlib as mpl

        from .plotting import _pyplot_axes

        ax = _pyplot_axes(ax)
        steps = np.arange(len(self.shares))
        k = len(self.names)
        # one colour a strategy: the default cycle repeats after 10, tab20 after 20
        cmap = mpl.colormaps["tab10" if k <= 10 else "tab20" if k <= 20 else "turbo"]
        colours = [cmap(i) if k <= 20 else cmap(i / max(k - 1, 1)) for i in range(k)]
        ax.stackplot(steps, self.shares.T, labels=self.names, colors=colours)
        ax.set_xlim(0, max(len(self.shares) - 1, 1))
        ax.set_ylim(0, 1)
        ax.set_xlabel("step")
        ax.set_ylabel("population share")
        ax.set_title(f"{self.method} dynamics")
        # beside the areas, which fill the whole panel; listed top to bottom as stacked
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small", frameon=False)  # fmt: skip
        return ax

    def _repr_html_(self) -> str:
        """Notebook view: initial and final share of each strategy."""
        from .path import html_table

        sh = np.asarray(self.shares)
        rows = [
            (n, round(float(sh[0, k]), 4), round(float(sh[-1, k]), 4))
            for k, n in enumerate(self.names)
        ]
        head = f"<b>{self.method}</b>: {len(sh) - 1} steps" + (
            f", fixated on {self.fixated}" if self.fixated else ""
        )
        return (
            f"<div>{head}"
            + html_table(["strategy", "initial share", "final share"], rows)
            + "</div>"
        )


_TINY = 2.0**-969
"""Replicator weights summing below it (2**53 times the smallest normal float) may have
lost more than rounding to the bottom of the float range: they are measured again from the
fittest strategy present."""

_MAX_POPULATION = 2**53
"""Largest population :func:`moran_process` plays: every count, and their sum, stay exact
as floats (the payoffs are averaged over the counts as floats)."""


def _matrix(payoff_matrix: ArrayLike | TournamentResult) -> tuple[Array, tuple[str, ...]]:
    if isinstance(payoff_matrix, TournamentResult):
        a = np.array(payoff_matrix.payoff_matrix, dtype=float)
        names = payoff_matrix.names
    else:
        a = real_array(payoff_matrix, "payoff_matrix")  # no bools, strings or objects
        names = tuple(str(k) for k in range(a.shape[0])) if a.ndim == 2 else ()
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ParameterError(f"`payoff_matrix` must be square (S, S); got shape {a.shape}.")
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        if i == j and np.isnan(a[i, j]):  # (a tournament without self-play)
            raise ParameterError(
                f"`payoff_matrix` has no payoff of {names[i] if names else i} against itself "
                f"(nan at [{i}, {j}]): in a population a strategy meets itself, so evolutionary "
                "dynamics need the tournament's self-play (round_robin(..., self_play=True))."
            )
        raise ParameterError(
            "`payoff_matrix` must be finite (every pair of strategies must have met); "
            f"got {a[i, j]} at [{i}, {j}]."
        )
    return a, names


def _shares(x0: ArrayLike | None, s: int, name: str = "x0") -> Array:
    if x0 is None:
        return np.full(s, 1.0 / s)
    x = real_array(x0, name)
    if x.shape != (s,) or not np.all(np.isfinite(x)) or np.any(x < 0) or not np.any(x > 0):
        raise ParameterError(
            f"`{name}` must hold {s} finite shares >= 0 with a positive sum; got {short_repr(x0)}."
        )
    with np.errstate(over="ignore"):
        total = x.sum()
    if not math.isfinite(total):  # shares near the largest float: their sum overflows
        x = x / x.max()
        total = x.sum()
    return x / total


def _shift(largest: float, growth: int) -> int:
    """The ``k >= 0`` such that payoffs divided by ``2**k`` are below ``2**(1022 - growth)``.

    Sums of up to ``2**growth`` times the largest payoff in size then stay finite. Dividing
    by a power of two is exact, so ``k`` is 0 — and nothing is rescaled — unless the
    payoffs come within ``2**growth`` of the largest float.

    >>> _shift(3.0, 2), _shift(1e308, 2)
    (0, 4)
    """
    return max(0, math.frexp(largest)[1] + growth - 1022)


def _exponent(g: Array, top: float, dt: float, k: int) -> Array:
    """``dt * (g - top)`` of payoffs divided by ``2**k``, in the unscaled units."""
    e = dt * (g - top)
    return np.ldexp(e, k) if k else e


def _names(names: Any, default: tuple[str, ...], s: int) -> tuple[str, ...]:
    """The strategies' labels: ``default``, or ``names`` — ``s`` distinct ones, as str."""
    if names is None:
        return default
    if isinstance(names, str | bytes) or not isinstance(names, Collection):
        raise ParameterError(f"`names` must be a sequence of {s} names; got {short_repr(names)}.")
    if len(names) != s:
        raise ParameterError(f"`names` must hold {s} names; got {short_repr(list(names))}.")
    labels = tuple(str(n) for n in names)
    repeated = [n for n, c in Counter(labels).items() if c > 1]
    if repeated:
        raise ParameterError(
            f"`names` must be distinct (shares and the winner are told apart by name); "
            f"{repeated[0]!r} is given {labels.count(repeated[0])} times in "
            f"{short_repr(list(names))}."
        )
    return labels


def _check_steps(steps: int, s: int, name: str) -> None:
    """``steps`` within ``max_iterations``, and ``steps + 1`` rows of ``s`` shares within
    ``max_result_bytes`` (:mod:`tariffsim.limits`)."""
    limits.check("max_iterations", steps, name)
    limits.check(
        "max_result_bytes",
        8 * (steps + 1) * s,
        f"{name} = {limits.shown(steps)}: shares of {limits.shown(steps + 1)} rows × {s} "
        "strategies, bytes",
    )


def replicator_dynamics(
    payoff_matrix: ArrayLike | TournamentResult,
    x0: ArrayLike | None = None,
    steps: int = 200,
    *,
    dt: float = 0.1,
    names: Sequence[str] | None = None,
) -> EvolutionResult:
    r"""Replicator dynamics of a population playing the strategies of a payoff matrix.

    Fitness of strategy ``i`` is :math:`f_i = (A x)_i`; shares follow
    :math:`\dot x_i = x_i (f_i - x \cdot f)`, integrated with the
    positivity-preserving step :math:`x_i \leftarrow x_i e^{dt (f_i - x\cdot f)}`,
    renormalised (it tends to the replicator equation as ``dt -> 0``).

    Parameters
    ----------
    payoff_matrix : array_like (S, S) or TournamentResult
        ``A[i, j]``: payoff to ``i`` against ``j``; finite real numbers (not booleans).
    x0 : array_like (S,), optional
        Initial shares (normalised); default uniform.
    steps : int
        Steps taken, >= 0; at most the limit ``max_iterations``, and the result's
        ``8 * (steps + 1) * S`` bytes at most ``max_result_bytes``
        (:mod:`tariffsim.limits`).
    dt : float
        Step size, finite and > 0.
    names : sequence of str, optional
        ``S`` distinct labels; default the tournament's names, or ``"0"``, ``"1"``, ...

    Returns
    -------
    EvolutionResult
        ``shares`` has ``steps + 1`` rows, each finite and summing to 1.

    Raises
    ------
    ParameterError
        If the payoff matrix is not square, finite and real, ``x0`` not ``S`` shares
        >= 0 with a positive sum, ``steps`` not an int >= 0, ``dt`` not finite and > 0,
        or ``names`` not ``S`` distinct names.
    LimitError
        If ``steps`` exceeds ``max_iterations`` or the shares would exceed
        ``max_result_bytes``; raised before any step.

    Notes
    -----
    Each step's exponent is taken relative to the fittest strategy (a common
    factor of all shares, removed by the renormalisation), so no factor
    overflows. When that strategy is absent (share 0) and so much fitter that
    the present shares' new weights fall to the bottom of the float range
    (summing below ``2**-969``) or to 0, the step is taken relative to the
    fittest present strategy instead, so the present shares never all vanish
    (``0 / 0``) and keep their precision. Payoffs within a factor 16
    of the largest float, whose sums would overflow, are divided by a power of two
    ``2**k`` and each exponent multiplied back by ``2**k``: both are exact in
    floating point, so the path is the one the unscaled payoffs give — the time
    scale is unchanged (scaling the payoffs alone would slow the dynamics by
    ``2**k``).

    Examples
    --------
    Hawk–dove (V=2, C=4) settles at half hawks:

    >>> res = ts.tournament.replicator_dynamics([[-1, 2], [0, 1]], [0.1, 0.9], steps=400)
    >>> res.final.round(3)
    array([0.5, 0.5])
    """
    a, default_names = _matrix(payoff_matrix)
    s = a.shape[0]
    x = _shares(x0, s)
    steps = whole_number(steps, "steps", 0)
    dt = check_real(dt, "dt", minimum=0.0, open_min=True)
    labels = _names(names, default_names, s)
    _check_steps(steps, s, "steps")
    k = _shift(float(np.abs(a).max()), 2)  # |f - x.f - (f - x.f)_max| <= 4 max|A|
    if k:
        a = np.ldexp(a, -k)
    out = np.zeros((steps + 1, s))
    out[0] = x
    with np.errstate(over="ignore", under="ignore"):  # an exponent below -inf: a factor 0
        for t in range(steps):
            f = a @ x
            g = f - x @ f
            w = x * np.exp(_exponent(g, g.max(), dt, k))
            total = w.sum()
            if total < _TINY:  # lost to underflow: the fittest is absent, far fitter than the rest
                w = x * np.exp(np.minimum(_exponent(g, g[x > 0].max(), dt, k), 0.0))
                total = w.sum()  # >= the fittest present share (its factor is 1)
            x = w / total
            out[t + 1] = x
    return EvolutionResult(labels, out, "replicator")


def _finite_real(v: Any) -> bool:
    """Whether ``v`` is an int of any size, or a finite real number (not a bool)."""
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        return False
    return isinstance(v, numbers.Integral) or math.isfinite(v)


def _counts(counts: Any, s: int) -> NDArray[np.int64]:
    """``counts`` as ``s`` ints >= 0 summing to 2 .. 2**53 (a count too large for that is
    refused as too large, not as a non-integer)."""
    if isinstance(counts, Sequence | np.ndarray) and not isinstance(counts, str | bytes):
        for j, v in enumerate(counts):
            if _finite_real(v):  # other entries: check_int_vector names the type
                if v > _MAX_POPULATION:
                    raise ParameterError(
                        f"`counts[{j}]` = {limits.shown(int(v))} is larger than a population "
                        f"may be (2**53 = {_MAX_POPULATION} individuals)."
                    )
                if v < 0:
                    raise ParameterError(
                        f"`counts` must hold integers >= 0; got {short_repr(counts)}."
                    )
    n = check_int_vector(counts, "counts", length=s, minimum=0)
    total = sum(n.tolist())  # exact: no int64 overflow
    if total < 2:
        raise ParameterError(
            f"`counts` must hold {s} ints >= 0 summing to >= 2; got {short_repr(counts)}."
        )
    if total > _MAX_POPULATION:
        raise ParameterError(
            f"`counts` sum to {limits.shown(total)}, more than a population may be "
            f"(2**53 = {_MAX_POPULATION} individuals)."
        )
    return n


def moran_process(
    payoff_matrix: ArrayLike | TournamentResult,
    counts: Sequence[int] | None = None,
    *,
    population: int = 20,
    intensity: float = 1.0,
    max_steps: int = 10_000,
    seed: int | np.random.Generator | None = 0,
    names: Sequence[str] | None = None,
) -> EvolutionResult:
    r"""A Moran birth–death process over strategies, seeded.

    Each step one individual reproduces, chosen with probability proportional
    to its count times :math:`\exp(w f_i)`, where :math:`f_i` is its mean
    payoff against the rest of the population (self excluded) and ``w`` the
    selection ``intensity``; its offspring replaces an individual chosen
    uniformly at random. Runs until one strategy has taken over or
    ``max_steps``.

    Parameters
    ----------
    payoff_matrix : array_like (S, S) or TournamentResult
        Finite real numbers (not booleans).
    counts : sequence of int, optional
        Initial number of each strategy: ints >= 0 summing to at least 2 and at
        most ``2**53``; default an even split of ``population``.
    population : int
        Used when ``counts`` is not given: an int from 2 to ``2**53``.
    intensity : float
        Selection intensity ``w``, finite and >= 0 (0: neutral drift).
    max_steps : int
        Most steps taken, >= 0; at most the limit ``max_iterations``, and the
        ``8 * (max_steps + 1) * S`` bytes of the longest result at most
        ``max_result_bytes`` (:mod:`tariffsim.limits`). The time a step takes
        does not depend on the population.
    seed : int or Generator
    names : sequence of str, optional
        ``S`` distinct labels; default the tournament's names, or ``"0"``, ``"1"``, ...

    Returns
    -------
    EvolutionResult
        ``shares`` has one row per step taken (plus the start); ``fixated``
        names the winner, if any.

    Raises
    ------
    ParameterError
        If the payoff matrix is not square, finite and real, ``counts`` (or
        ``population``) not as above, ``intensity`` not finite and >= 0,
        ``max_steps`` not an int >= 0, ``seed`` not a seed or Generator, or
        ``names`` not ``S`` distinct names.
    LimitError
        If ``max_steps`` exceeds ``max_iterations`` or its shares would exceed
        ``max_result_bytes``; raised before any step.

    Notes
    -----
    The weights are taken relative to the fittest strategy present, so they
    are finite for any intensity and the fittest one's is its count. Payoffs
    whose sums over the population would overflow are divided by a power of
    two ``2**k`` and each exponent multiplied back by ``2**k``: both exact in
    floating point, so the probabilities are the ones the unscaled payoffs give.

    Examples
    --------
    >>> res = ts.tournament.moran_process([[1, 0], [3, 0.5]], [10, 10], seed=1)
    >>> res.fixated
    '1'
    """
    a, default_names = _matrix(payoff_matrix)
    s = a.shape[0]
    if counts is None:
        population = check_int(population, "population", 2)
        if population > _MAX_POPULATION:
            raise ParameterError(
                f"`population` = {limits.shown(population)} is larger than a population may "
                f"be (2**53 = {_MAX_POPULATION} individuals)."
            )
        n = np.full(s, population // s, dtype=np.int64)
        n[: population % s] += 1
    else:
        n = _counts(counts, s)
    intensity = check_real(intensity, "intensity", minimum=0.0)
    max_steps = check_int(max_steps, "max_steps", 0)
    rng = check_rng(seed, "seed")
    labels = _names(names, default_names, s)
    _check_steps(max_steps, s, "max_steps")
    total = int(n.sum())
    # |a @ n - diag(a)| <= (total + 1) max|A|; f and its spread stay within 6 max|A|
    k = _shift(float(np.abs(a).max()), (total + 1).bit_length() + 1)
    if k:
        a = np.ldexp(a, -k)
    rows = np.empty((min(max_steps, 1023) + 1, s))  # grown by doubling, up to max_steps + 1
    rows[0] = n / total
    taken = 0
    with np.errstate(over="ignore", under="ignore"):  # an exponent below -inf: a weight of 0
        for _ in range(max_steps):
            if np.count_nonzero(n) <= 1:
                break
            f = (a @ n - np.diag(a)) / (total - 1)
            e = intensity * (f - f[n > 0].max())  # <= 0 where n > 0; 0 for the fittest
            if k:
                e = np.ldexp(e, k)
            weight = n * np.exp(np.minimum(e, 0.0))  # finite; 0 for an absent strategy
            born = int(rng.choice(s, p=weight / weight.sum()))
            dies = int(rng.choice(s, p=n / total))
            n[born] += 1
            n[dies] -= 1
            taken += 1
            if taken == len(rows):
                grown = np.empty((min(2 * len(rows), max_steps + 1), s))
                grown[:taken] = rows[:taken]
                rows = grown
            rows[taken] = n / total
    winner = labels[int(np.flatnonzero(n)[0])] if np.count_nonzero(n) == 1 else None
    return EvolutionResult(labels, rows[: taken + 1], "moran", winner)
