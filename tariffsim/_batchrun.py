"""The engine's batch of runs: random streams, per-run parameters, the states and the run.

:class:`_Run` holds what :func:`tariffsim.engine.simulate_batch` plays: the
game restricted to the involved countries, every run's parameters (truth and
each agent's beliefs, per-run overrides on a leading run axis), random
streams per run and the slow state; :class:`_States` the current state of
every run (arrays with a leading run axis). :class:`_Streams` makes each
run's generators from its seed. Engine-internal: the public entry points are
:func:`tariffsim.engine.simulate_batch` and :func:`tariffsim.game.simulate`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _decide_kernel, parampath
from ._distinct import _Scattered, distinct_rows, evaluate_distinct, take_params
from .agents import Strategy, targets_of
from .dynamics import (
    _tie_rows_held,
    _tie_rows_in_force,
    _tie_rows_of,
    _tie_rows_step,
    _tie_rows_whole,
    adjust_step,
    grievance_step,
    tie_held,
    tie_step,
    ties_in_force,
)
from .payoffs import PARAM_FIELDS, Breakdown, Params, _WorldView
from .world import Layer, State, StateBatch, step_layers_many

if TYPE_CHECKING:
    from .game import Game

Array = NDArray[np.float64]
SeedLike = int | np.integer | np.random.SeedSequence
Dyad = tuple[str, str]


def _seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """A fresh SeedSequence equal to ``seed`` (a given one is copied, not consumed)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy,
            spawn_key=seed.spawn_key,
            pool_size=seed.pool_size,
            n_children_spawned=seed.n_children_spawned,
        )
    return np.random.SeedSequence(int(seed))


# ---------------------------------------------------------------------------
# random streams
# ---------------------------------------------------------------------------
class _Streams:
    """Each run's child generators (agent ``k``: child ``k``; noise: child ``len(agents)``).

    Children are made on first use and kept, exactly as
    :meth:`numpy.random.SeedSequence.spawn` would make them.
    """

    def __init__(
        self,
        bases: Sequence[np.random.SeedSequence] | None,
        offsets: Sequence[int],
        bitgen: type[np.random.BitGenerator] = np.random.PCG64,
        *,
        seeds: Sequence[SeedLike] | None = None,
    ) -> None:
        self.seeds = list(seeds) if seeds is not None else None
        """The runs' seeds, made into SeedSequences on first use (when ``bases`` is None)."""
        self.bases = list(bases) if bases is not None else None
        self.offsets = list(offsets)
        self.bitgen = bitgen
        self._made: dict[tuple[int, int], np.random.Generator] = {}

    def __len__(self) -> int:
        return len(self.bases) if self.bases is not None else len(self.seeds or ())

    def child(self, r: int, k: int) -> np.random.Generator:
        g = self._made.get((r, k))
        if g is None:
            b = self.bases[r] if self.bases is not None else _seed_sequence((self.seeds or [])[r])
            offset = self.offsets[r]
            ss = np.random.SeedSequence(
                b.entropy, spawn_key=(*b.spawn_key, offset + k), pool_size=b.pool_size
            )
            g = self._made[(r, k)] = np.random.Generator(self.bitgen(ss))
        return g

    @classmethod
    def of_seeds(cls, seeds: Sequence[SeedLike]) -> _Streams:
        """Streams of ``seeds`` (each copied when a run first draws: most never do)."""
        offsets = [
            s.n_children_spawned if isinstance(s, np.random.SeedSequence) else 0 for s in seeds
        ]  # as the seeds stand now
        return cls(None, offsets, seeds=seeds)


class _RowStreams(_Streams):
    """Runs ``rows`` of ``streams``: run ``q`` here is run ``rows[q]`` there (same generators)."""

    def __init__(self, streams: _Streams, rows: NDArray[np.intp]) -> None:
        self.base, self.rows = streams, rows

    def __len__(self) -> int:
        return len(self.rows)

    def child(self, r: int, k: int) -> np.random.Generator:
        return self.base.child(int(self.rows[r]), k)


class _RunRngs(Sequence[np.random.Generator]):
    """The generator of one agent in every run (a lazy sequence, one per run)."""

    def __init__(self, streams: _Streams, k: int) -> None:
        self.streams, self.k = streams, k

    def __len__(self) -> int:
        return len(self.streams)

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[x] for x in range(*r.indices(len(self)))]
        return self.streams.child(int(r), self.k)


# ---------------------------------------------------------------------------
# per-run parameters
# ---------------------------------------------------------------------------
_MARKET_FIELDS = (
    "pass_through", "elasticity", "elasticity_short", "adjust_days", "dependence",
    "revenue_weight", "export_margin", "critical_exposure", "index_beta", "support_effect",
    "market_speed", "bond_beta",
)  # fmt: skip
"""The Params fields the equity index is priced from (:func:`tariffsim.payoffs.equity_index`)."""
_SCALAR_4D = frozenset({
    "elasticity", "elasticity_short", "export_margin", "face_mutual_relief", "answer_scale",
    "reciprocity_reference",
})  # fmt: skip
"""Scalar Params used against (run, profile, n, n) arrays; the others against (run, profile, n)."""


def _override_arrays(
    base: Params,
    items: Sequence[tuple[parampath.ParamPath, Array]],
    runs: int,
    codes: Sequence[str],
    side: str,
) -> dict[str, Array]:
    """Full-world per-run arrays ``(R, *shape)`` of the fields ``items`` change on ``side``."""
    out: dict[str, Array] = {}
    for pp, vals in items:
        if pp.kind != "params" or not (pp.sets_truth if side == "truth" else pp.sets_beliefs):
            continue
        cur = out.get(pp.name)
        if cur is None:
            v = np.asarray(getattr(base, pp.name), dtype=float)
            cur = out[pp.name] = np.array(np.broadcast_to(v, (runs, *v.shape)))
        if pp.index:
            where: Any = (slice(None), *(codes.index(c) for c in pp.index))
            cur[where] = vals
        else:
            cur[...] = vals.reshape((runs,) + (1,) * (cur.ndim - 1))
    return out


def _batched_params(base: Params, over: Mapping[str, Array], idx: NDArray[np.intp]) -> Params:
    """Params on the involved countries, each field with leading (run, profile) axes.

    Per-dyad fields ``(R', 1, k, k)``, per-country ``(R', 1, k)``, scalars
    ``(R', 1, 1, 1)`` or ``(R', 1, 1)`` (as they meet dyad or country arrays),
    where ``R'`` is the number of runs for overridden fields and 1 otherwise.
    """
    out = object.__new__(Params)
    ix = np.ix_(idx, idx)
    for name in PARAM_FIELDS:
        v = over.get(name)
        if v is None:
            v = np.asarray(getattr(base, name), dtype=float)[None]
        if v.ndim == 3:
            v = v[:, ix[0], ix[1]][:, None]
        elif v.ndim == 2:
            v = v[:, idx][:, None]
        else:
            v = v.reshape((-1, 1, 1, 1) if name in _SCALAR_4D else (-1, 1, 1))
        object.__setattr__(out, name, v)
    object.__setattr__(out, "calibration", {})
    return out


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------
class _TieRows:
    """A tie loss ``(R, n, n)`` carried by its involved rows ``rows`` ``(R, k, n)``.

    The engine moves and reads the slow state from the rows alone
    (:func:`~tariffsim.dynamics._tie_rows_of`); the whole array is made only
    when something asks for it (:meth:`whole`: a full record, a per-run
    strategy's state, more than two involved countries), then kept. Before,
    every round wrote the whole array of every run (4 MB a round for 5,000
    runs of ten countries), and every round's stayed alive with the round's
    state.
    """

    __slots__ = ("_whole", "idx", "n", "rows")

    def __init__(self, rows: Array, idx: NDArray[np.intp], n: int) -> None:
        self.rows, self.idx, self.n = rows, idx, n
        self._whole: Array | None = None

    def whole(self) -> Array:
        """The whole loss ``(R, n, n)`` (:func:`~tariffsim.dynamics._tie_rows_whole`), made once."""
        if self._whole is None:
            self._whole = _tie_rows_whole(self.rows, self.idx, self.n)
        return self._whole

    def run(self, q: int) -> Array:
        """Run ``q``'s whole loss ``(n, n)``, a new array."""
        if self._whole is not None:
            return np.array(self._whole[q])
        return _tie_rows_whole(self.rows[q], self.idx, self.n)

    def take(self, rows: NDArray[np.intp]) -> _TieRows:
        """The loss of runs ``rows`` (a copy)."""
        return _TieRows(np.array(self.rows[rows]), self.idx, self.n)

    def copy(self) -> _TieRows:
        return _TieRows(self.rows.copy(), self.idx, self.n)


@dataclass
class _States:
    """The current state of every run on the involved countries (engine-internal)."""

    tariff: Array  # (R, k, k)
    control: Array
    peak: Array
    moved: Array
    support: Array  # (R, k)
    shock: Array
    adjust: Array = None  # type: ignore[assignment]  # (R, k, k); default fully adjusted
    tie_loss: Array | _TieRows = None  # type: ignore[assignment]  # (R, n, n): ties reach third
    # parties; a _TieRows when the involved rows carry it (read it with _Run.ties_of)
    grievance: Array = None  # type: ignore[assignment]  # (R, k, k); default none
    equity: Array = None  # type: ignore[assignment]  # (R, k): index after the last round
    bond: Array = None  # type: ignore[assignment]  # (R, k): bond stress after the last round
    market_value: Array | None = None  # (R, k): the value the market priced the state at
    layers: Array = None  # type: ignore[assignment]  # (R, L, k, k): set by _Run.settle
    off: NDArray[np.bool_] = None  # type: ignore[assignment]  # (R,): layers not the split

    def __post_init__(self) -> None:
        if self.adjust is None:
            self.adjust = np.ones_like(self.tariff)
        if self.grievance is None:
            self.grievance = np.zeros_like(self.tariff)
        for name in ("equity", "bond"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros_like(self.support))
        for name in ("layers", "off"):  # left out (or copied as None): set by _Run.settle
            if getattr(self, name) is not None and np.ndim(getattr(self, name)) == 0:
                setattr(self, name, None)


def _take(st: _States, rows: NDArray[np.intp]) -> _States:
    """Runs ``rows`` of ``st`` (copies; a field left out stays out)."""
    parts: dict[str, Any] = {}
    for f in dataclasses.fields(_States):
        v = getattr(st, f.name)
        parts[f.name] = (
            None if v is None else v.take(rows) if isinstance(v, _TieRows) else np.array(v[rows])
        )
    return _States(**parts)


@dataclass
class _AgentRun:
    code: str
    i: int | None  # position among the involved countries
    strategy: Strategy
    dyads: tuple[Dyad, ...]
    starts: tuple[int | None, ...]  # first active round per dyad (None: always)
    agent_start: int | None
    controls: tuple[Dyad, ...]
    control_starts: tuple[int | None, ...]
    perceived: Params  # batched, involved countries
    full_base: Params  # full world, before overrides
    full_over: Mapping[str, Array]  # full-world per-run arrays of overridden perceived fields
    rate: Array  # (R', 1, 1, 1) learning rate
    learn: tuple[str, ...]
    learns: bool
    rngs: _RunRngs


class _Run:
    """Everything about a batch that is fixed for all rounds."""

    def __init__(
        self,
        game: Game,
        rounds: int,
        items: Sequence[tuple[parampath.ParamPath, Array]],
        streams: _Streams,
        *,
        idx: NDArray[np.intp] | None = None,
    ) -> None:
        self.game, self.rounds, self.streams = game, rounds, streams
        w = self.world = game.world
        self.n = w.n
        runs = self.runs = len(streams)
        self.round_of = {e: game.round_of(e.when) for e in game.events}
        idx = self._involved() if idx is None else idx
        self.idx = idx
        self.k = len(idx)
        self.codes = tuple(w.codes[i] for i in idx)
        self.pos = {c: k for k, c in enumerate(self.codes)}
        ix = np.ix_(idx, idx)
        self.view = _WorldView.of(w, idx, days=float(game.round_days))
        self.weights = game.model.weights[:, idx]
        self.active = game.model.active[ix]
        truth = game.model.params
        codes = w.codes
        self.truth_over: Mapping[str, Array] = _override_arrays(truth, items, runs, codes, "truth")
        self.truth = _batched_params(truth, self.truth_over, idx)
        self.truth_full = truth
        noise = np.full(runs, float(game.noise))
        rates: dict[str, Array] = {}
        for a in game.agents:
            rates[a.code] = np.full(runs, a.beliefs.learning_rate if a.beliefs else 0.0)
        for pp, vals in items:
            if pp.kind == "noise":
                noise = np.array(vals, dtype=float)
            elif pp.kind == "learning_rate":
                for c in rates:
                    if not pp.index or pp.index[0] == c:
                        rates[c] = np.array(vals, dtype=float)
        self.noise = noise
        self._market_cache: dict[int, tuple[Params, Params | None]] = {}
        self.agents: list[_AgentRun] = []
        for k, a in enumerate(game.agents):
            base = a.beliefs.perceived if a.beliefs else truth
            over = _override_arrays(base, items, runs, codes, "belief")
            tg = targets_of(w, a.code, a.targets)
            learn = a.beliefs.learn if a.beliefs else ()
            rate = rates[a.code]
            self.agents.append(
                _AgentRun(
                    code=a.code,
                    i=self.pos.get(a.code),
                    strategy=a.strategy,
                    dyads=tg,
                    starts=tuple(self._start(a.starts(t)) for _, t in tg),
                    agent_start=self._start(a.starts("")),
                    controls=tuple((a.code, t) for t in a.controls),
                    control_starts=tuple(self._start(a.starts(t)) for t in a.controls),
                    perceived=_batched_params(base, over, idx),
                    full_base=base,
                    full_over=over,
                    rate=rate.reshape(-1, 1, 1, 1),
                    learn=tuple(learn),
                    learns=bool(learn) and bool(np.any(rate != 0)),
                    rngs=_RunRngs(streams, k),
                )
            )
        # every agent's dyads, sorted: the order noise draws follow
        self.keys = tuple(sorted(d for a in self.agents for d in a.dyads))
        self.key_col = {d: c for c, d in enumerate(self.keys)}
        """Dyad -> its column among :attr:`keys` (of moves and locks)."""
        self.key_ij = np.array(
            [(self.pos[a], self.pos[b]) for a, b in self.keys], dtype=np.intp
        ).reshape(-1, 2)
        self.ladders = {d: w.ladders[d] for d in self.keys}
        self.split = w.splitter(idx)
        """Headline tariffs ``(..., k, k)`` -> their canonical layers ``(..., L, k, k)``."""
        rows_of = w._layer_rows
        self.layer_plan: dict[Dyad, tuple[int, int, list[int], tuple[Layer, ...]]] = {
            d: (self.pos[d[0]], self.pos[d[1]], rows_of[d], lays)
            for d, lays in w.instruments.items()
            if len(lays) > 1 and d[0] in self.pos and d[1] in self.pos
        }
        """The involved dyads with several layers: ``(i, j, layer rows, layers)``; only
        these can hold layers other than their headline's split."""
        self.layered = np.zeros((self.k, self.k), dtype=bool)
        """``(k, k)``: the dyads of :attr:`layer_plan` (the others' one layer is their
        headline)."""
        for i, j, _, _ in self.layer_plan.values():
            self.layered[i, j] = True
        self.days = float(game.round_days)
        self._tie_memo: tuple[Array, Any] | None = None
        self._slow_memo: tuple[Array | _TieRows, Array, dict[str, Any]] | None = None
        """The last slow state computed and the arrays it came from (kept alive, so
        ``is`` identifies them): every agent's evaluation in a round reads the same."""
        self._tie_rows: tuple[Array | _TieRows, Array | None] | None = None
        """The last tie loss asked about and its rows of the involved countries (or None
        when they do not carry it): :meth:`ties_of`."""

    def subset(self, rows: NDArray[np.intp], st: _States) -> tuple[_Run, _States]:
        """The same batch and its states ``st`` restricted to runs ``rows``.

        A shallow copy (the game's fixed parts shared): run ``q`` of the copy is
        run ``rows[q]`` here, with the same parameters, perceived parameters and
        generators, so its evaluations are that run's to the last bit (no
        evaluation depends on the other runs). The slow state already computed
        for ``st`` is carried over, restricted to the rows.
        """
        sub_st = _take(st, rows)
        sub = copy.copy(self)
        sub.runs = len(rows)
        sub.streams = _RowStreams(self.streams, rows)
        sub.truth = take_params(self.truth, rows)
        sub.truth_over = _Scattered(self.truth_over, lambda a: a[rows])
        sub.noise = self.noise[rows]
        sub._market_cache, sub._tie_memo, sub._slow_memo = {}, None, None
        held, sub._tie_rows = self._tie_rows, None
        if held is not None and held[0] is st.tie_loss and sub_st.tie_loss is not None:
            sub._tie_rows = (sub_st.tie_loss, None if held[1] is None else held[1][rows])
        sub.agents = [
            dataclasses.replace(
                ag,
                perceived=sub.truth
                if ag.perceived is self.truth
                else take_params(ag.perceived, rows),
                full_over=_Scattered(ag.full_over, lambda a: a[rows]),
                rate=ag.rate[rows] if len(ag.rate) > 1 else ag.rate,
                rngs=_RunRngs(sub.streams, k),
            )
            for k, ag in enumerate(self.agents)
        ]
        memo = self._slow_memo
        if memo is not None and memo[0] is st.tie_loss and memo[1] is st.grievance:
            slow = {
                "tie_held": memo[2]["tie_held"][rows],
                "grievance": memo[2]["grievance"][rows],
                "ties": tuple(a[rows] for a in memo[2]["ties"]),
            }
            sub._slow_memo = (sub_st.tie_loss, sub_st.grievance, slow)
        return sub, sub_st

    def _slow(self, params: Params, st: _States) -> dict[str, Any]:
        """The slow state in force, as the payoff block reads it (see :func:`_evaluate_block`).

        Always the batched arrays, never a shortcut taken when every run is at
        zero: a run's numbers must not depend on the other runs. Read from the
        involved rows of the tie loss when they carry it (:meth:`ties_of`).
        """
        w, idx = self.world, self.idx
        self._tie_loss(st)
        memo = self._slow_memo
        if memo is not None and memo[0] is st.tie_loss and memo[1] is st.grievance:
            return dict(memo[2])  # the same state arrays: the same slow state
        rows = self.ties_of(st, rows=True)
        if rows is not None:
            eff, two = _tie_rows_in_force(rows, idx, w.ties)
            held = _tie_rows_held(rows, idx, w.ties)[:, None]
            eff, two = eff[:, None], two[:, None]
        else:
            ix = (slice(None), idx[:, None], idx[None, :])
            loss = self.ties_of(st)
            cls = self.tie_classes(loss)  # runs with the same tie losses: computed once
            if cls is not None:
                loss = loss[cls[0]]
            eff, two = ties_in_force(loss, w.ties)
            held = tie_held(loss, w.ties)[:, None, idx]
            eff, two = eff[ix][:, None], two[ix][:, None]
            if cls is not None:
                held, eff, two = held[cls[1]], eff[cls[1]], two[cls[1]]
        out = {"tie_held": held, "grievance": st.grievance[:, None], "ties": (eff, two)}
        self._slow_memo = (st.tie_loss, st.grievance, out)
        return dict(out)

    def _market_for(self, params: Params) -> Params | None:
        """The market's model to price the index with, when it differs from ``params``.

        None when ``params`` prices it the same way (the truth itself, or an
        agent whose beliefs leave every field the index depends on alone):
        the payoff block then reuses the burden it has already computed.
        """
        if params is self.truth:
            return None
        key = id(params)
        hit = self._market_cache.get(key)
        if hit is not None and hit[0] is params:
            return hit[1]
        same = all(
            np.array_equal(getattr(params, f), getattr(self.truth, f)) for f in _MARKET_FIELDS
        )
        out = None if same else self.truth
        self._market_cache[key] = (params, out)
        return out

    def tie_classes(self, loss: Array) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
        """:func:`~tariffsim._distinct.distinct_rows` of tie losses ``loss`` (the last kept)."""
        memo = self._tie_memo
        if memo is not None and memo[0] is loss:
            return memo[1]
        cls = distinct_rows([loss], len(loss), hashed=False)  # cheaper to compute than hash
        self._tie_memo = (loss, cls)
        return cls

    @overload
    def ties_of(self, st: _States, *, rows: Literal[False] = ...) -> Array: ...
    @overload
    def ties_of(self, st: _States, *, rows: Literal[True]) -> Array | None: ...
    def ties_of(self, st: _States, *, rows: bool = False) -> Array | None:
        """``st.tie_loss`` as a whole ``(R, n, n)`` array (no loss when a caller left it out).

        ``rows=True``: its rows of the involved countries ``(R, k, n)`` when
        they carry the whole loss and the slow state can be moved and read
        from them alone to the same bits (see :mod:`tariffsim.dynamics`), else
        None. Kept for the last loss array asked about (``is``). A loss the
        rows carry (:class:`_TieRows`) gives its rows, and makes its whole
        array only when that is asked for.
        """
        loss = self._tie_loss(st)
        if isinstance(loss, _TieRows):
            return loss.rows if rows else loss.whole()
        if not rows:
            return loss
        memo = self._tie_rows
        if memo is None or memo[0] is not loss:
            memo = self._tie_rows = (loss, _tie_rows_of(loss, self.idx, self.world.ties))
        return memo[1]

    def _tie_loss(self, st: _States) -> Array | _TieRows:
        """``st.tie_loss``, set to no loss (whole world) when a caller left it out."""
        loss = st.tie_loss
        if not isinstance(loss, _TieRows) and (loss is None or np.ndim(loss) != 3):
            loss = st.tie_loss = np.zeros((len(st.tariff), self.n, self.n))
        return loss

    def step_slow(self, st: _States, start: Array) -> None:
        """Move the slow variables of ``st`` over one round from tariffs ``start`` (in place).

        The tie loss moves on the involved rows when they carry it
        (:meth:`ties_of`), else on the whole world.
        """
        p, days, t = self.truth, self.days, st.tariff

        def runs(name: str) -> Any:
            v = getattr(p, name)
            return np.reshape(v, (-1, 1, 1)) if np.ndim(v) else v

        rise = np.maximum(t - start, 0.0)
        self._tie_loss(st)
        st.adjust = adjust_step(st.adjust, start, t, days, runs("adjust_days"))
        st.grievance = grievance_step(st.grievance, start, t, days, runs("grievance_days"))
        ero, half = runs("tie_erosion"), runs("tie_rebuild_days")
        rows = self.ties_of(st, rows=True) if np.isfinite(ero).all() else None
        if rows is not None:
            if rise.any() or rows.any():  # rows.any(): the whole loss has a nonzero
                rows = _tie_rows_step(rows, rise, self.idx, self.world.ties, ero, days, half)
                st.tie_loss = _TieRows(rows, self.idx, self.n)
                self._tie_rows = (st.tie_loss, rows)
        elif rise.any() or self.ties_of(st).any():
            loss = self.ties_of(st)
            cls = distinct_rows([loss, rise, ero, half], len(loss), hashed=False)  # equal: once
            if cls is not None:
                first = cls[0]
                loss, rise = loss[first], rise[first]
                ero = ero[first] if np.ndim(ero) and len(ero) > 1 else ero
                half = half[first] if np.ndim(half) and len(half) > 1 else half
            full = np.zeros(loss.shape)
            full[:, self.idx[:, None], self.idx[None, :]] = rise
            loss = tie_step(loss, full, self.world.ties, ero, days, half)
            st.tie_loss = loss if cls is None else loss[cls[1]]

    def _start(self, when: dt.date | int | None) -> int | None:
        return None if when is None else self.game.round_of(when)

    # -- tariff layers -------------------------------------------------------------
    def settle(self, st: _States) -> None:
        """Make ``st.layers`` and ``st.off`` agree with ``st.tariff`` (in place).

        A run whose layers are within 1e-9 of its headline's canonical split
        (:meth:`World.splitter`) gets exactly that split (so its payoffs are
        those of the headline, to the last bit); the others keep their layers.
        Without layers the split is taken.
        """
        canon = self.split(st.tariff)
        if st.layers is None or not self.layer_plan:
            st.layers, st.off = canon, np.zeros(len(st.tariff), dtype=bool)
            return
        off: NDArray[np.bool_] = np.asarray((np.abs(st.layers - canon) > 1e-9).any(axis=(1, 2, 3)))
        st.layers = np.where(off[:, None, None, None], st.layers, canon) if off.any() else canon
        st.off = off

    @staticmethod
    def headline(levels: Array) -> Array:
        """Headline of layer levels ``(..., m)`` in a dyad's order: their sum, rounded as
        the headline ladders' rungs are (:meth:`World.set_layer`)."""
        total = np.zeros(levels.shape[:-1])
        for m in range(levels.shape[-1]):
            total = total + levels[..., m]
        return np.round(total, 12)

    def resplit(self, layers: Array, old: Array, new: Array) -> Array:
        """Layers after headline changes ``old`` -> ``new`` (``(R, k, k)``): a changed
        dyad takes its new headline's canonical split, the others keep ``layers``."""
        changed = new != old
        if not changed.any():
            return layers
        return np.where(changed[:, None], self.split(new), layers)

    def step_off(
        self, st: _States, d: Dyad, levels: ArrayLike, moves: ArrayLike, out: Array
    ) -> Array:
        """``out`` (headline-ladder steps of ``levels``) with the layer steps of the runs
        whose layers are off their headline's split, where ``levels`` is their headline.

        ``levels`` and ``moves`` broadcast to ``out``'s shape, whose leading axis is the
        run. Steps follow :func:`~tariffsim.world.step_layers` from the run's layers.
        """
        plan = self.layer_plan.get(d)
        if plan is None or st.off is None or not st.off.any():
            return out
        i, j, rows, lays = plan
        lv = np.broadcast_to(np.asarray(levels, dtype=float), out.shape)
        mv = np.broadcast_to(np.asarray(moves), out.shape)
        lead = (slice(None),) + (None,) * (out.ndim - 1)
        here = st.off[lead] & (np.abs(lv - st.tariff[:, i, j][lead]) <= 1e-12)
        if not here.any():
            return out
        cur = st.layers[:, rows, i, j]  # (R, m)
        cur = np.broadcast_to(cur.reshape(cur.shape[0], *(1,) * (out.ndim - 1), -1),
                              (*out.shape, len(rows)))  # fmt: skip
        stepped = step_layers_many(lays, cur[here], mv[here])
        res = np.array(out, dtype=float)
        res[here] = self.headline(stepped)
        return res

    def step_layers_of(self, st: _States, moves: NDArray[np.int8]) -> tuple[Array, Array]:
        """Headlines and layers after ``moves`` (R, len(keys)) from ``st``.

        Runs on their canonical split step the headline ladders (as the
        layers do along the escalation chain); the others step their layers.
        When every run is on its split, the layers are the new headlines'
        split (what :meth:`settle` would make them).
        """
        t = st.tariff.copy()
        lay = st.layers
        off = st.off if st.off is not None else np.zeros(len(t), dtype=bool)
        copied = False
        for c, d in enumerate(self.keys):
            i, j = self.key_ij[c]
            t[:, i, j] = self.ladders[d].step_rungs(t[:, i, j], moves[:, c])
            plan = self.layer_plan.get(d)
            if plan is None or not off.any():
                continue
            sel = np.flatnonzero(off & (moves[:, c] != 0))
            if not sel.size:
                continue
            _, _, rows, lays = plan
            if not copied:
                lay, copied = np.array(lay), True
            stepped = step_layers_many(lays, lay[sel][:, rows, i, j], moves[sel, c])
            for m, row in enumerate(rows):
                lay[sel, row, i, j] = stepped[:, m]
            t[sel, i, j] = self.headline(stepped)
        if not off.any():
            return t, self.split(t)
        # a run off its split keeps its stepped layers on the layered dyads only: a plain
        # dyad's one layer is its headline, moved or not
        kept = np.zeros(t.shape, dtype=bool)
        kept[off] = self.layered
        return t, np.where(kept[:, None], lay, self.split(t))

    def candidate_layers(self, st: _States, tariff: Array) -> Array | None:
        """Layers ``(R, P, L, k, k)`` of candidate headlines ``tariff`` (R, P, k, k).

        None when every run is on its canonical split (the payoff block splits
        the headlines itself). Otherwise the canonical split, except on the
        layered dyads of runs off it: there a candidate headline reachable from
        the run's layers by steps (:func:`~tariffsim.world.step_layers`) takes
        the layers those steps give (hold first), any other its split.
        """
        if st.off is None or not st.off.any():
            return None
        out = self.split(tariff)
        off = st.off
        for i, j, rows, lays in self.layer_plan.values():
            cur = st.layers[off][:, rows, i, j]  # (R', m)
            cand = tariff[off][:, :, i, j]  # (R', P)
            res = out[off][:, :, rows, i, j]  # (R', P, m)
            found = np.zeros(cand.shape, dtype=bool)
            chain = [cur]
            for direction in (1, -1):
                lv = cur
                for _ in range(sum(len(x.levels) for x in lays)):
                    lv = step_layers_many(lays, lv, np.full(len(lv), direction))
                    chain.append(lv)
            for lv in chain:
                hit = ~found & (np.abs(cand - self.headline(lv)[:, None]) <= 1e-9)
                res = np.where(hit[..., None], lv[:, None, :], res)
                found |= hit
            sub = out[off]
            for m, row in enumerate(rows):
                sub[:, :, row, i, j] = res[..., m]
            out[off] = sub
        return out

    def _involved(self) -> NDArray[np.intp]:
        """Countries an agent's move, an event (a summit's parties), a threat or the initial
        state can touch (sorted).

        Every other country's tariffs and controls stay zero, so its terms are
        zero and the others' terms do not depend on it except through the
        alliance ties, which enter through ``W @ W`` over the whole world.
        """
        w, g = self.world, self.game
        inv = np.zeros(w.n, dtype=bool)
        for a in g.agents:
            dyads = (*targets_of(w, a.code, a.targets), *((a.code, t) for t in a.controls))
            for x, y in dyads:
                inv[w.index(x)] = inv[w.index(y)] = True
        for e in g.events:
            for c in (e.importer, e.exporter, e.country, *e.parties):
                if c:
                    inv[w.index(c)] = True
        for th in g.threats:  # (a threat's tariff is levied, and its credibility weighed)
            inv[w.index(th.by)] = inv[w.index(th.target)] = True
        if g.initial is not None:
            s = g.initial
            for arr in (s.tariff, s.control, s.peak, s.moved):
                nz = arr != 0
                inv |= nz.any(axis=0) | nz.any(axis=1)
            inv |= (s.support != 0) | (s.shock != 0)
        if not inv.any():
            inv[:] = True
        return np.flatnonzero(inv)

    # -- evaluation --------------------------------------------------------------
    def evaluate(
        self,
        params: Params,
        st: _States,
        tariff: Array,
        control: Array | None = None,
        *,
        prev_none: bool = False,
    ) -> Breakdown:
        """Payoffs of candidate next states ``tariff`` (R, P, k, k) reached from ``st``."""
        t0 = st.tariff[:, None]
        ctl = st.control[:, None] if control is None else control
        nxt = StateBatch(
            tariff=tariff,
            control=ctl,
            peak=np.maximum(st.peak[:, None], tariff),
            moved=tariff - t0,
            support=st.support[:, None],
            shock=st.shock[:, None],
            adjust=st.adjust[:, None],
            layers=self.candidate_layers(st, tariff),  # type: ignore[arg-type]
        )
        return evaluate_distinct(
            self.view, params, self.weights, self.active, nxt, t0, st.moved[:, None],
            st.control[:, None], **self._slow(params, st), prev_equity=st.equity[:, None],
            prev_bond=st.bond[:, None], market=self._market_for(params),
            prev_market_value=None if st.market_value is None else st.market_value[:, None],
        )  # fmt: skip

    def evaluate_total(
        self,
        params: Params,
        st: _States,
        tariff: Array,
        control: Array | None = None,
        me: int | None = None,
    ) -> Array:
        """``evaluate(params, st, tariff, control).total``, shape (R, P, k); (R, P) for ``me``.

        ``me``: the position of the one country whose totals are wanted.
        Computed by the compiled kernel (:mod:`tariffsim._decide_kernel`) when
        numba is installed and ``TARIFFSIM_JIT`` does not switch it off, else
        (or for arguments outside its scope) by the numpy block.
        """
        if _decide_kernel.ENABLED:
            out = _decide_kernel.totals(
                self.view, self.world, self.idx, params, self._market_for(params),
                self.weights, self.active, st, tariff, control,
                self.candidate_layers(st, tariff), self._slow(params, st), me,
            )  # fmt: skip
            if out is not None:
                return out
        total = self.evaluate(params, st, tariff, control).total
        return total if me is None else total[..., me]

    def evaluate_state(
        self, params: Params, st: _States, prev: _States | None, *, fresh: bool = False
    ) -> Breakdown:
        """Payoffs of the states ``st`` themselves (reached from ``prev``), shape (R, 1, k).

        ``fresh``: no market mood carried over (the index prices the state afresh).
        """
        nxt = StateBatch(
            tariff=st.tariff[:, None],
            control=st.control[:, None],
            peak=st.peak[:, None],
            moved=st.moved[:, None],
            support=st.support[:, None],
            shock=st.shock[:, None],
            adjust=st.adjust[:, None],
            layers=st.layers[:, None] if st.off is not None and st.off.any() else None,  # type: ignore[arg-type]
        )
        if prev is None:
            prev_tau = nxt.tariff - nxt.moved
            prev_moved = np.zeros_like(nxt.moved)
            prev_control = nxt.control
            prev_eq: Array | None = None if fresh else st.equity[:, None]
            prev_bond = st.bond[:, None]
            priced = None  # the state is its own previous: priced afresh
        else:
            prev_tau, prev_moved = prev.tariff[:, None], prev.moved[:, None]
            prev_control = prev.control[:, None]
            prev_eq, prev_bond = prev.equity[:, None], prev.bond[:, None]
            priced = None if prev.market_value is None else prev.market_value[:, None]
        slow = self._slow(params, st)
        slow["grievance"] = (st if prev is None else prev).grievance[:, None]
        return evaluate_distinct(
            self.view, params, self.weights, self.active, nxt, prev_tau, prev_moved, prev_control,
            **slow, prev_equity=prev_eq, prev_bond=prev_bond, market=self._market_for(params),
            prev_market_value=priced,
        )  # fmt: skip

    # -- per-run objects for strategies without act_batch --------------------------
    def full(self, a: Array, r: int) -> Array:
        """Run ``r`` of an involved-countries array, expanded to the whole world."""
        n, idx = self.n, self.idx
        out: Array
        if a.ndim == 3 and a.shape[-1] == n and len(idx) < n:
            out = np.array(a[r])  # already whole-world (tie losses)
        elif a.ndim == 3:
            out = np.zeros((n, n))
            out[np.ix_(idx, idx)] = a[r]
        else:
            out = np.zeros(n)
            out[idx] = a[r]
        return out

    def full_state(self, st: _States, r: int) -> State:
        """Run ``r`` of ``st`` as a whole-world State (with its layers when they are off
        the headline's split)."""
        lay: dict[str, Array] = {}
        if st.off is not None and st.off[r]:
            full = self.world.decompose(self.full(st.tariff, r))
            full[:, self.idx[:, None], self.idx[None, :]] = st.layers[r]
            lay["layers"] = full
        return State._trusted(
            **lay,
            tariff=self.full(st.tariff, r),
            control=self.full(st.control, r),
            peak=self.full(st.peak, r),
            moved=self.full(st.moved, r),
            support=self.full(st.support, r),
            shock=self.full(st.shock, r),
            equity=self.full(st.equity, r),
            bond=self.full(st.bond, r),
            adjust=self.full(st.adjust, r),
            tie_loss=(
                st.tie_loss.run(r)
                if isinstance(st.tie_loss, _TieRows)
                else np.array(self.ties_of(st)[r])
            ),
            grievance=self.full(st.grievance, r),
        )

    def perceived_full(self, ag: _AgentRun, r: int) -> Params:
        """Agent ``ag``'s perceived Params in run ``r``, whole world."""
        changes: dict[str, Any] = {}
        for name, arr in ag.full_over.items():
            changes[name] = arr[r] if arr.ndim > 1 else float(arr[r])
        if ag.learns:
            ix = np.ix_(self.idx, self.idx)
            for name in ag.learn:
                sub = getattr(ag.perceived, name)
                sub = sub[r if sub.shape[0] > 1 else 0, 0]
                cur = changes.get(name, getattr(ag.full_base, name))
                full: Any
                if np.ndim(cur) == 2:
                    full = np.array(cur, dtype=float)
                    full[ix] = sub
                elif np.ndim(cur) == 1:
                    full = np.array(cur, dtype=float)
                    full[self.idx] = sub
                else:
                    full = float(sub.reshape(-1)[0])
                changes[name] = full
        return ag.full_base._replace_trusted(**changes) if changes else ag.full_base
