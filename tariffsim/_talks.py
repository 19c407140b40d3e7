"""Agreements and threats in every run of a batch: summits, demands, agreed rates held as ceilings.

:class:`_Talks` is the engine's bargaining (see :mod:`tariffsim.bargaining`
for the model): at a summit the runs are grouped by the concessions they have
met and the parties, and each group's deal search and look-ahead is one
batched play; agreements that run out are renewed or lapse the same way. The
look-aheads play the engine's rounds, which the engine passes in (``play``),
so this module does not import the engine. Engine-internal.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from . import parampath
from ._batchrun import Array, Dyad, _Run, _States, _Streams, _take
from ._distinct import take_params, total_distinct
from ._ties import beats
from .deals import (
    MAX_DEALS,
    Agreement,
    Deal,
    _concession_pool,
    _floors_allow,
    _flows,
    concession_subsets,
    credible,
    ladder_dyads,
    solve_deal,
)
from .deals import _powers as _deals_powers
from .path import Path
from .payoffs import Params
from .world import State, StateBatch, World

if TYPE_CHECKING:
    from .game import Event, Game

T = TypeVar("T", bound=Collection[Any])


_RENEWED = " (renewed)"
"""Added to an agreement's label when it is renewed (once: a renewal's renewal keeps it)."""

CHECK_ROUNDS = 4
"""Fewest rounds of the agents' own play a deal must hold for to be struck
(:meth:`_Talks._broken`; the check plays the negotiation's horizon, :attr:`_Talks.check_rounds`,
when longer): the round it is struck in, where the deal holds a raise above its rates and an
agent that starts choosing in the next does not yet show, and later rounds, where such a
raise breaks it. Agreed rates are ceilings, so a strategy that answers a deal's cut in kind
may cut below it and climb back over it only rounds later, the later the deeper it cut
(``firm-but-measured`` against the Geneva truce: 0%, 0%, 10%, then 15%, in the fourth round;
against ``tit-for-tat``, in the fifth): no fixed count bounds that, so the check plays the
horizon the parties value disagreement over. Two rounds, the check until 2026-12 when rates
held both ways, let such deals through."""

MAX_BROKEN = 8
"""At a summit, the most deals a run sets aside as not self-enforcing (a party's own
strategy would break them within :attr:`_Talks.check_rounds` rounds) before it strikes none."""


def look_rounds(game: Game, rounds: int) -> list[int]:
    """Rounds the talks' look-aheads are expected to play in each round ``0 .. rounds``.

    A summit bargained over (parties, negotiation enabled) plays its disagreement point
    (the negotiation's horizon) and the check of its best deal (:attr:`_Talks.check_rounds`);
    a summit whose agreements have a term plays a lapse's look-ahead (the horizon) each term
    after it, where its agreement, renewed or not, may run out. The rounds played depend on
    the runs (a deal set aside is checked again, a run without a deal has nothing to renew):
    these are what a progress bar weighs each round by, as most runs play them.

    >>> import tariffsim as ts
    >>> g = ts.load_scenario("us-china-145").game
    >>> w = look_rounds(g, 52)
    >>> [(r, n) for r, n in enumerate(w) if n]
    [(16, 24), (29, 12), (42, 12)]
    """
    out = [0] * (rounds + 1)
    neg = game.negotiation
    if not neg.enabled:
        return out
    h = int(neg.horizon)
    for e in game.events:
        if e.kind != "summit" or not e.parties:
            continue
        r = game.round_of(e.when)
        if not 1 <= r <= rounds:
            continue
        out[r] += h + max(CHECK_ROUNDS, h)
        term = getattr(e, "term_days", 0)
        if term:
            step = max(1, math.ceil(term / game.round_days))  # as _Talks._agree dates it
            for x in range(r + step, rounds + 1, step):
                out[x] += h
    return out


def _dated(game: Game, when: Any) -> Any:
    """``when`` (a date, a round number, a mapping of either, or None) with each round number
    made the date of that round of ``game`` (for a look-ahead that starts later).

    >>> import tariffsim as ts
    >>> g = ts.load_scenario("us-china-145").game
    >>> _dated(g, {"CN": 3, "CA": None})
    {'CN': datetime.date(2025, 2, 17), 'CA': None}
    """
    if isinstance(when, Mapping):
        return {t: _dated(game, v) for t, v in when.items()}
    return game.date(when) if isinstance(when, int) and not isinstance(when, bool) else when


class _PerRun(Generic[T]):
    """One value per run, made by ``factory`` the first time the run's is asked for.

    The talks keep per-run agreements, notes, concessions met and agreed dyads;
    most runs of a batch, and every run of a look-ahead, never touch theirs, and
    making ``runs`` empty lists, sets and dicts up front cost more than the
    look-ahead's bookkeeping.
    """

    def __init__(self, runs: int, factory: Callable[[], T]) -> None:
        self.runs, self.factory = runs, factory
        self.made: dict[int, T] = {}
        """The values made so far, by run."""

    def __getitem__(self, q: int) -> T:
        v = self.made.get(q)
        if v is None:
            v = self.made[q] = self.factory()
        return v

    def __setitem__(self, q: int, v: T) -> None:
        self.made[q] = v

    def __len__(self) -> int:
        return self.runs

    def frozen(self) -> tuple[tuple[Any, ...], ...]:
        """Every run's value as a tuple (``()`` for a run that never made one)."""
        out: list[tuple[Any, ...]] = [()] * self.runs
        for q, v in self.made.items():
            out[q] = tuple(v)
        return tuple(out)


class _Talks:
    """Agreements and threats in every run: bargaining at summits, demands, agreed ceilings held.

    Summits and threats fall on the same rounds in every run, so the engine
    loops over runs only in those rounds; the per-round constraint on moves
    (agreed ceilings held, unmet demands kept) is a cheap per-run pass.
    """

    def __init__(
        self,
        rt: _Run,
        items: Sequence[tuple[parampath.ParamPath, Array]],
        play: Callable[..., dict[str, Any]],
        on_look: Callable[[], None] | None = None,
        past_of: Callable[[NDArray[np.intp], int, Array], Any] | None = None,
    ) -> None:
        self.rt = rt
        self.items = items
        self.play = play
        """The engine's rounds (``engine._play``), which the look-aheads play."""
        self.on_look = on_look
        """Called once each round of a look-ahead is played (progress; see
        :func:`look_rounds`)."""
        self.past_of = past_of
        """``past_of(runs, r, wrote)``: the game's rounds before round ``r`` in those runs
        (``engine._Past``; ``wrote``: the dyads the talks wrote in them this round), which a
        look-ahead from round ``r`` continues: its strategies see them as their history and
        its rounds numbered after them."""
        R = rt.runs
        self.agreements: _PerRun[list[Agreement]] = _PerRun(R, list)
        self.expiring: dict[int, list[tuple[int, int]]] = {}
        """Round → (run, agreement index) of the agreements that run out then."""
        self.notes: _PerRun[list[tuple[int, str]]] = _PerRun(R, list)
        self.met: _PerRun[set[str]] = _PerRun(R, set)
        self.locked: _PerRun[dict[Dyad, tuple[float, int]]] = _PerRun(R, dict)
        self.renewals: _PerRun[set[int]] = _PerRun(R, set)
        """Per run, the indices of its agreements that are renewals (they hold no raise in
        their round: the state in force was held until then)."""
        self.lock = np.zeros((R, len(rt.keys)), dtype=bool)
        """``lock[q, c]``: run ``q`` holds dyad ``rt.keys[c]`` under an agreement."""
        self.wrote = np.zeros((R, rt.k, rt.k), dtype=bool)
        """``wrote[q, i, j]``: talks set dyad ``(i, j)`` of run ``q`` this round (a deal's
        dyads; a lapse writes the run's whole state); the engine clears it each round."""
        self._groups: dict[frozenset[str], NDArray[np.intp]] | None = None
        g = rt.game
        self.terms = any(getattr(e, "term_days", 0) for e in g.events)
        """Whether some summit's agreements run out (:meth:`expire` has work)."""
        self.active = (
            bool(g.negotiation.demands)
            or bool(g.threats)
            or any(e.kind == "summit" and e.parties for e in g.events)
        )

    def hold_from_start(self, dyads: Sequence[Dyad], st: _States) -> None:
        """Every run holds ``dyads`` as a deal struck in round 1 at the rates of ``st`` (the
        start) holds them, as :meth:`constrain` does after a summit: the start's rates are
        ceilings, a raise above one in round 1 is held, and a later one breaks the deal."""
        rt = self.rt
        self.active = True
        deal = Agreement(
            round=1, date=rt.game.date(1), parties=(), terms={}, concessions=(), gain={},
            split={}, label="the deal checked",
        )  # fmt: skip
        ij = [(d, rt.pos[d[0]], rt.pos[d[1]]) for d in dyads if d[0] in rt.pos and d[1] in rt.pos]
        for q in range(rt.runs):
            self.agreements[q].append(deal)
            self.locked[q] = {d: (float(st.tariff[q, i, j]), 0) for d, i, j in ij}
            self._lock_row(q)

    def _past(self, runs: NDArray[np.intp], r: int, wrote: Array | None = None) -> Any:
        """What a look-ahead from round ``r`` in ``runs`` continues (None: nothing kept);
        ``wrote``: dyads the look-ahead's start writes as the talks would (a deal's, a
        lapse's), besides those the talks wrote in the round already."""
        if self.past_of is None:
            return None
        now = self.wrote[runs]
        return self.past_of(runs, r, now if wrote is None else now | wrote)

    def _looked(self, r: int) -> None:
        """``on_round`` of a look-ahead: one of its rounds is played."""
        if self.on_look is not None:
            self.on_look()

    @property
    def check_rounds(self) -> int:
        """Rounds a deal must hold for to be struck: the negotiation's horizon, at least
        :data:`CHECK_ROUNDS`."""
        return max(CHECK_ROUNDS, int(self.rt.game.negotiation.horizon))

    def _game(self, q: int) -> Game:
        if not self.items:
            return self.rt.game
        return parampath.apply(self.rt.game, {pp.text: float(v[q]) for pp, v in self.items})

    def _models(self, q: int, parties: Sequence[str], game: Game | None = None) -> dict[str, Any]:
        """Each party's perceived model in run ``q`` (``game``: the run's, if made already)."""
        rt = self.rt
        g = self._game(q) if game is None else game
        out: dict[str, Any] = {}
        for p in parties:
            ag = next((a for a in rt.agents if a.code == p), None)
            out[p] = g.model._with_params(rt.perceived_full(ag, q)) if ag else g.model
        return out

    def _write(
        self, st: _States, q: int, state: State, dyads: Sequence[Dyad], *, mark: bool = True
    ) -> None:
        """Run ``q`` takes ``state`` (whole world): headlines, controls and layers; the
        change is written on ``dyads`` (a deal's) only, as the batched deals write it
        (``mark``: noted in :attr:`wrote`; not for a scratch copy of the run)."""
        rt = self.rt
        ix = np.ix_(rt.idx, rt.idx)
        st.tariff[q] = state.tariff[ix]
        st.control[q] = state.control[ix]
        st.peak[q] = state.peak[ix]
        w = rt.world
        for a, b in dyads:
            if a in rt.pos and b in rt.pos:
                st.moved[q, rt.pos[a], rt.pos[b]] = state.moved[w.index(a), w.index(b)]
                if mark:
                    self.wrote[q, rt.pos[a], rt.pos[b]] = True
        if st.layers is not None:  # copied by the caller
            st.layers[q] = state.layered(rt.world).layers[:, ix[0], ix[1]]

    def threats(self, st: _States, r: int) -> None:
        """Carry out the threats due this round whose condition is unmet, where credible."""
        rt = self.rt
        due = [th for th in rt.game.threats if rt.game.round_of(th.when) == r]
        if not due:
            return
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        before = st.tariff.copy()
        neg = rt.game.negotiation
        for q in range(rt.runs):
            for th in due:
                if th.unless and th.unless in self.met[q]:
                    continue
                name = th.label or f"{th.by} threat on {th.target}"
                i, j = rt.pos[th.by], rt.pos[th.target]
                row = rt.world.layer_index(th.layer) if th.layer else -1
                in_force = st.layers[q, row, i, j] if th.layer else st.tariff[q, i, j]
                if th.level <= in_force:
                    now = 100 * float(in_force)
                    moot = f"moot ({100 * th.level:g}% is not above the {now:g}% in force)"
                    self.notes[q].append((r, f"{name}: {moot}"))
                    continue
                state = rt.full_state(st, q)
                game = self._game(q)
                model = self._models(q, (th.by,), game)[th.by]
                c = credible(
                    game, th, state, discount=neg.round_discount(game.round_days),
                    horizon=neg.horizon, model=model,
                )  # fmt: skip
                if not c.credible:
                    self.notes[q].append((r, f"{name}: not carried out (not credible)"))
                    continue
                level = th.level
                if th.layer:  # that layer set; the headline is the sum of the dyad's layers
                    st.layers = np.array(st.layers)
                    st.layers[q, row, i, j] = th.level
                    rows = rt.world._layer_rows[(th.by, th.target)]
                    level = float(rt.headline(st.layers[q, rows, i, j]))
                    before[q, i, j] = level  # not re-split below
                st.moved[q, i, j] = level - st.tariff[q, i, j]
                st.tariff[q, i, j] = level
                st.peak[q, i, j] = max(st.peak[q, i, j], level)
                self.notes[q].append((r, f"{name}: carried out"))
                held = self.locked.made.get(q, {}).get((th.by, th.target))
                if held is not None and level > held[0] + 1e-12:  # above an agreed ceiling
                    self._break(q, held[1], r, f"{th.by} breaks, carrying out its threat,")
        if st.layers is not None:  # a headline threat: the dyad's canonical split
            st.layers = rt.resplit(st.layers, before, st.tariff)
            rt.settle(st)

    def bargain(self, st: _States, r: int, event: Event) -> None:
        """Bargain at a summit in every run; agreed terms replace the state.

        Runs are grouped by the concessions they have met; each group's
        look-ahead (the disagreement point) is one batched play of
        ``neg.horizon`` rounds from each run's own state with its own current
        beliefs, and its deals are searched for all its runs at once
        (:meth:`_deals`), so a run's deal does not depend on the other runs.
        """
        rt = self.rt
        g0 = rt.game
        neg = g0.negotiation
        parties = tuple(event.parties)
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        if st.layers is not None:
            st.layers = st.layers.copy()
        groups = self._met_groups()
        for met, rows in groups.items():
            look = self._look_game(r, met)
            start = _take(st, rows)
            items = [(pp, v[rows]) for pp, v in self.items if pp.kind != "noise"]
            perceived = [take_params(ag.perceived, rows) for ag in rt.agents]
            out = self.play(
                look, neg.horizon, items, _Streams.of_seeds([0] * len(rows)), "look",
                idx=rt.idx, start=start, perceived=perceived, on_round=self._looked,
                past=self._past(rows, r),
            )  # fmt: skip
            models = {p: self._party_params(p, rows) for p in parties}
            d = neg.round_discount(rt.game.round_days)
            dis = _carry_on_batch(rt, out["arrays"], start, models, d, neg.horizon)
            now = [take_params(ag.perceived, rows) for ag in rt.agents]  # (the look-ahead
            self._deals(st, r, event, rows, met, start, dis, models, now)  # learnt on its own)
        rt.settle(st)

    def _look_game(self, r: int, met: frozenset[str]) -> Game:
        """The game of a look-ahead from round ``r`` (summits and expiries alike).

        No events, no noise, no talks; demands whose concession is in ``met``
        dropped; the threats still to come (and not lifted by ``met``) dated, and the
        agents' first rounds given as round numbers (the look-ahead starts later).
        """
        g0 = self.rt.game
        neg = g0.negotiation
        return g0.replace(
            agents=tuple(
                dataclasses.replace(a, active_from=_dated(g0, a.active_from)) for a in g0.agents
            ),
            events=(),
            start=g0.date(r - 1),
            noise=0.0,
            negotiation=dataclasses.replace(  # (its own concessions and their scale kept)
                neg,
                enabled=False,
                demands=tuple(d for d in neg.demands if d.concession not in met),
            ),
            threats=tuple(
                dataclasses.replace(th, when=_dated(g0, th.when))
                for th in g0.threats
                if g0.round_of(th.when) > r and not (th.unless and th.unless in met)
            ),
        )

    def _party_params(self, code: str, rows: NDArray[np.intp]) -> Params:
        """A party's perceived parameters in runs ``rows`` (the truth if it is no agent)."""
        rt = self.rt
        ag = next((a for a in rt.agents if a.code == code), None)
        return take_params(ag.perceived if ag is not None else rt.truth, rows)

    def _deals(
        self,
        st: _States,
        r: int,
        event: Event,
        rows: NDArray[np.intp],
        met: frozenset[str],
        start: _States,
        dis: Mapping[str, Array],
        models: Mapping[str, Params],
        perceived: Sequence[Params],
    ) -> None:
        """:func:`~tariffsim.deals.solve_deal` for the runs ``rows`` at once; agreed deals applied.

        Every run searches the rungs at or below its current tariffs (the
        ladder's rungs above are masked out, which keeps the order of the
        candidates and so the tie-breaking), crossed with every subset of the
        agenda's concessions, and keeps the best Nash (or alternating-offers)
        product with every gain positive, as ``solve_deal`` does. A summit
        with ``layers`` searches each layer's rungs at or below the run's level
        of that layer on the dyads with several layers (``solve_deal(...,
        layers=True)``): the candidates are combinations of *slots* (one per
        layer of a layered dyad, one per other dyad), and a dyad's headline is
        the sum of its slots.

        Only a self-enforcing deal is struck: where a party's own strategy would
        raise one of its rates above the deal within :attr:`check_rounds` rounds
        (:meth:`_broken`, from the state the deal leaves), the run takes its next
        best deal, up to :data:`MAX_BROKEN` deals, and then none. ``perceived``:
        every agent's current beliefs in those runs.
        """
        rt = self.rt
        g0, w, pos = rt.game, rt.world, rt.pos
        neg = g0.negotiation
        parties = tuple(event.parties)
        d = neg.round_discount(g0.round_days)
        alpha = _deals_powers(parties, d, neg.method, None)
        pool = _concession_pool(parties, event.agenda, neg.pool)
        dyads = ladder_dyads(w, parties)
        ij = [(pos[a], pos[b]) for a, b in dyads]
        by_layer = bool(event.layers) and any(len(w.instruments.get(dy, ())) > 1 for dy in dyads)
        slots: list[tuple[int, str, int]] = []  # (dyad position, layer name or "", layer row)
        levels: list[Array] = []
        cur_s: list[Array] = []
        for c, (dy, (i, j)) in enumerate(zip(dyads, ij, strict=True)):
            lays = w.instruments.get(dy, ()) if by_layer else ()
            if len(lays) > 1:
                for lay, row in zip(lays, w._layer_rows[dy], strict=True):
                    slots.append((c, lay.name, row))
                    levels.append(np.asarray(lay.levels.levels, dtype=float))
                    cur_s.append(start.layers[:, row, i, j])
                continue
            slots.append((c, "", -1))
            levels.append(np.asarray(w.ladders[dy].levels, dtype=float))
            cur_s.append(start.tariff[:, i, j])
        cur = np.stack(cur_s, axis=1)  # (G, S)
        valid_d = [lv[None, :] <= cur[:, c, None] + 1e-12 for c, lv in enumerate(levels)]
        subsets = concession_subsets(pool)
        counts = np.prod(np.stack([v.sum(axis=1) for v in valid_d], axis=1), axis=1)
        # a run with no rung at or below a current tariff (or too many deals): the per-run search
        slow = (counts == 0) | (counts * len(subsets) > MAX_DEALS)
        raw = np.array(list(itertools.product(*levels)), dtype=float).reshape(-1, len(slots))
        cidx = np.array(
            list(itertools.product(*(range(len(lv)) for lv in levels))), dtype=np.intp
        ).reshape(-1, len(slots))
        if by_layer:  # a dyad's headline: the sum of its slots
            combos = np.zeros((len(raw), len(dyads)))
            for s_, (c, _, _) in enumerate(slots):
                combos[:, c] += raw[:, s_]
            combos = np.round(combos, 12)
        else:
            combos = raw
        valid = np.ones((len(rows), len(combos)), dtype=bool)
        for c in range(len(slots)):
            valid &= valid_d[c][:, cidx[:, c]]

        # only candidates some run can reach and some subset's floors allow (order kept)
        allowed = np.zeros(len(combos), dtype=bool)
        for sub in subsets:
            allowed |= _floors_allow(g0, neg.demands, sub, met, dyads, slots, by_layer, raw, combos)
        keep = allowed & valid.any(axis=0)
        combos, valid, raw = combos[keep], valid[:, keep], raw[keep]
        C, G = len(combos), len(rows)
        t = np.repeat(start.tariff[:, None], C, axis=1)  # (G, C, k, k)
        for c, (i, j) in enumerate(ij):
            t[:, :, i, j] = combos[None, :, c]
        ctl = np.broadcast_to(start.control[:, None], t.shape)
        peak = np.maximum(start.peak[:, None], t)
        support = start.support[:, None]
        shock = np.zeros_like(support)
        zero = np.zeros_like(t)
        cand_lay = None
        if (by_layer or (start.off is not None and start.off.any())) and C:
            cand_lay = np.repeat(start.layers[:, None], C, axis=1)
            canon = rt.split(t)
            for i, j in ij:  # the dyads bargained over: the agreed headlines' split ...
                cand_lay[..., i, j] = canon[..., i, j]
            for s_, (c, _, row) in enumerate(slots):  # ... or the agreed layers
                if row >= 0:
                    i, j = ij[c]
                    cand_lay[:, :, row, i, j] = raw[None, :, s_]
        first: dict[str, Array] = {}
        hold: dict[str, Array] = {}
        for p in parties if C else ():
            kp = pos[p]
            nxt = StateBatch(
                tariff=t, control=ctl, peak=peak, moved=t - start.tariff[:, None],
                support=support, shock=shock, layers=cand_lay,  # type: ignore[arg-type]
            )  # fmt: skip
            first[p] = total_distinct(
                rt.view, models[p], rt.weights, rt.active, nxt, start.tariff[:, None],
                start.moved[:, None], start.control[:, None], me=kp,
            )  # fmt: skip
            steady = StateBatch(
                tariff=t, control=ctl, peak=peak, moved=zero, support=support, shock=shock,
                layers=cand_lay,  # type: ignore[arg-type]
            )  # fmt: skip
            hold[p] = total_distinct(
                rt.view, models[p], rt.weights, rt.active, steady, t, zero, ctl, me=kp
            )
        factor = d / (1 - d)
        goods, scores = [], []  # per subset of concessions: the deals with every gain positive
        flows: list[dict[str, float]] = []  # ... and what its concessions are worth a round
        lifted = np.zeros((len(subsets), *start.control.shape[1:]), dtype=bool)
        for n, sub in enumerate(subsets if C else ()):
            ok = (
                valid
                & _floors_allow(g0, neg.demands, sub, met, dyads, slots, by_layer, raw, combos)[
                    None
                ]
            )
            flow = _flows(pool, parties, sub, self.rt.game.negotiation.concession_scale)
            flows.append(flow)
            for name in sub:
                for a, b in pool[name].releases:  # the export controls the concession lifts
                    if a in pos and b in pos:
                        lifted[n, pos[a], pos[b]] = True
            values = [first[p] + flow[p] + factor * (hold[p] + flow[p]) for p in parties]
            gains = [v - dis[p][:, None] for v, p in zip(values, parties, strict=True)]
            good = ok
            for v, p in zip(values, parties, strict=True):
                good = good & beats(v, dis[p][:, None])
            score = np.zeros((G, C))
            for m, (a_p, gn) in enumerate(zip(alpha.tolist(), gains, strict=True)):
                lg = np.where(good, np.log(np.where(gn > 0, gn, 1.0)), -np.inf)
                score = 0.0 + a_p * lg if m == 0 else score + a_p * lg
            goods.append(good)
            scores.append(score)
        broken = np.zeros((G, len(goods), C), dtype=bool)  # deals a party's strategy breaks

        def pick() -> tuple[NDArray[np.bool_], NDArray[np.intp], NDArray[np.intp]]:
            """Each run's best deal not ``broken``: (found, candidate, subset position)."""
            best = np.full(G, -np.inf)
            found = np.zeros(G, dtype=bool)
            best_k = np.zeros(G, dtype=np.intp)
            best_s = np.zeros(G, dtype=np.intp)
            for n, (good, score) in enumerate(zip(goods, scores, strict=True)):
                good = good & ~broken[:, n]
                score = np.where(good, score, -np.inf)
                k = np.argmax(score, axis=1)
                sk = score[np.arange(G), k]
                upd = good.any(axis=1) & (~found | (sk > best + 1e-12))
                best = np.where(upd, sk, best)
                best_k = np.where(upd, k, best_k)
                best_s = np.where(upd, n, best_s)
                found |= upd
            return found, best_k, best_s

        def dealt(gs: NDArray[np.intp], ks: NDArray[np.intp], ns: NDArray[np.intp]) -> _States:
            """The state the deals ``ks`` (concessions ``ns``) leave in the runs ``gs``."""
            return _dealt(
                rt, _take(start, gs), t[gs, ks], lifted[ns], ij,
                None if cand_lay is None or not by_layer else cand_lay[gs, ks],
            )  # fmt: skip

        found, best_k, best_s = pick()
        tried = np.zeros(G, dtype=np.intp)
        todo = found & ~slow
        while todo.any():  # only self-enforcing deals: the next best where one would be broken
            sel = np.flatnonzero(todo)
            mets = [met | subsets[n] for n in best_s[sel].tolist()]
            bad = sel[
                self._broken(
                    r, rows[sel], mets, dealt(sel, best_k[sel], best_s[sel]), dyads,
                    [take_params(x, sel) for x in perceived],
                )
            ]  # fmt: skip
            broken[bad, best_s[bad], best_k[bad]] = True
            tried[bad] += 1
            again = bad[tried[bad] < MAX_BROKEN]
            found[bad] = False
            if again.size:
                f2, k2, n2 = pick()
                found[again], best_k[again], best_s[again] = f2[again], k2[again], n2[again]
            todo = np.zeros(G, dtype=bool)
            todo[again] = found[again]
        for g_ in np.flatnonzero(tried).tolist():
            what = "the next" if found[g_] else "no deal"
            note = _broken_note(event, int(tried[g_]), what, self.check_rounds)
            self.notes[int(rows[g_])].append((r, note))
        best_sub = [subsets[n] for n in best_s.tolist()] if C else [None] * G
        done: list[int] = []  # the runs agreeing on a searched deal (positions in ``rows``)
        date = g0.date(r)
        # each run's gains and split, computed for every run at once (as each run's would be)
        gain_of: dict[str, list[float]] = {}
        split_of: dict[str, list[float]] = {}
        if C and found.any():
            at, kk = np.arange(G), best_k
            tot = np.zeros(G)
            gains_v = {}
            for p in parties:
                fl = np.array([f[p] for f in flows])[best_s]
                value = first[p][at, kk] + fl + factor * (hold[p][at, kk] + fl)
                gains_v[p] = value - dis[p]
                tot = tot + gains_v[p]
            with np.errstate(divide="ignore", invalid="ignore"):  # (runs with no deal)
                for p in parties:
                    gain_of[p] = gains_v[p].tolist()
                    split_of[p] = (gains_v[p] / tot).tolist()
        combos_l, raw_l = combos.tolist(), raw.tolist()
        before_l = (
            np.stack([start.tariff[:, i, j] for i, j in ij], axis=1).tolist() if ij else [[]] * G
        )
        lay_slots = [(dyads[c], name, s_) for s_, (c, name, row) in enumerate(slots) if row >= 0]
        for g_ in range(G):
            q = int(rows[g_])
            if slow[g_]:
                self._deal_one(st, r, event, q, met, {p: float(dis[p][g_]) for p in parties})
                continue
            if not found[g_]:
                continue
            done.append(g_)
            k, chosen = int(best_k[g_]), best_sub[g_]
            assert chosen is not None
            gain = {p: gain_of[p][g_] for p in parties}
            lay_terms: dict[Dyad, dict[str, float]] = {}
            for dy, name, s_ in lay_slots:
                lay_terms.setdefault(dy, {})[name] = raw_l[k][s_]
            self._agree(
                q, r, event, dict(zip(dyads, combos_l[k], strict=True)), tuple(sorted(chosen)),
                gain, {p: split_of[p][g_] for p in parties},
                dict(zip(dyads, before_l[g_], strict=True)), lay_terms, date=date, lock=False,
            )  # fmt: skip
        if not done:
            return
        gs = np.array(done, dtype=np.intp)
        qs = rows[gs]
        cols = np.array([rt.key_col[d] for d in dyads if d in rt.key_col], dtype=np.intp)
        self.lock[np.ix_(qs, cols)] = True  # the agreed dyads, held
        new = dealt(gs, best_k[gs], best_s[gs])
        st.tariff[qs], st.control[qs], st.peak[qs] = new.tariff, new.control, new.peak
        st.moved[qs] = new.moved
        for i, j in ij:
            self.wrote[qs, i, j] = True
        if st.layers is not None:
            st.layers[qs] = new.layers

    def _agree(
        self,
        q: int,
        r: int,
        event: Event,
        terms: dict[Dyad, float],
        concessions: tuple[str, ...],
        gain: dict[str, float],
        split: dict[str, float],
        before: dict[Dyad, float] | None = None,
        layers: Mapping[Dyad, Mapping[str, float]] | None = None,
        *,
        date: datetime.date | None = None,
        lock: bool = True,
    ) -> None:
        """Record run ``q``'s agreement: concessions met, agreed dyads held.

        ``before`` is kept as it is (a dict the caller made for it); ``date``: the date of
        round ``r`` (computed when not given); ``lock=False``: the caller sets the agreed
        dyads' entries of :attr:`lock` (for many runs at once).
        """
        k = len(self.agreements[q])
        term = getattr(event, "term_days", 0)
        expires = r + max(1, math.ceil(term / self.rt.game.round_days)) if term else None
        self._append(
            q,
            Agreement(
                round=r,
                date=self.rt.game.date(r) if date is None else date,
                parties=tuple(event.parties),
                terms=terms,
                concessions=concessions,
                gain=gain,
                split=split,
                label=event.label,
                expires=expires,
                before={} if before is None else before,
                layers={dy: dict(v) for dy, v in (layers or {}).items()},
            ),
        )
        self.met[q] |= set(concessions)
        self._groups = None
        for dy, level in terms.items():
            self.locked[q][dy] = (level, k)
        if lock:
            self._lock_row(q)

    def _append(self, q: int, a: Agreement) -> None:
        """Add agreement ``a`` to run ``q``'s, indexed by the round it runs out."""
        if a.expires is not None:
            self.expiring.setdefault(a.expires, []).append((q, len(self.agreements[q])))
        self.agreements[q].append(a)

    def _deal_one(
        self, st: _States, r: int, event: Event, q: int, met: frozenset[str], dis: dict[str, float]
    ) -> None:
        """One run's deal by :func:`~tariffsim.deals.solve_deal` (runs the batch cannot search)."""
        rt = self.rt
        neg = rt.game.negotiation
        parties = tuple(event.parties)
        state = rt.full_state(st, q)
        game = self._game(q)
        deal = solve_deal(
            game, parties, _bare(state), dis, discount=neg.round_discount(game.round_days),
            method=neg.method,
            demands=neg.demands, met=met, models=self._models(q, parties, game),
            concessions=event.agenda, layers=event.layers, holds=self._holds(st, r, q, met),
            max_broken=MAX_BROKEN,
        )  # fmt: skip
        if deal.broken:
            what = "the next" if deal.agreed else "no deal"
            self.notes[q].append((r, _broken_note(event, deal.broken, what, self.check_rounds)))
        if not deal.agreed:
            return
        w = rt.world
        before = {dy: float(state.tariff[w.index(dy[0]), w.index(dy[1])]) for dy in deal.terms}
        self._agree(
            q, r, event, dict(deal.terms), deal.concessions, dict(deal.gain), dict(deal.split),
            before, deal.layers,
        )  # fmt: skip
        self._write(st, q, deal.state._with(shock=state.shock), tuple(deal.terms))

    def _holds(self, st: _States, r: int, q: int, met: frozenset[str]) -> Callable[[Deal], bool]:
        """:func:`~tariffsim.deals.solve_deal`'s ``holds`` for run ``q`` (its state ``st[q]``
        before the deal, its demands ``met`` met): the check of the batched deals
        (:meth:`_broken`), from the state the deal leaves."""
        rt = self.rt
        one = np.array([q], dtype=np.intp)
        beliefs = [take_params(ag.perceived, one) for ag in rt.agents]
        shock = rt.full_state(st, q).shock

        def holds(deal: Deal) -> bool:
            scratch = _take(st, one)
            self._write(scratch, 0, deal.state._with(shock=shock), tuple(deal.terms), mark=False)
            mets = [met | frozenset(deal.concessions)]
            return not bool(self._broken(r, one, mets, scratch, tuple(deal.terms), beliefs)[0])

        return holds

    def _broken(
        self,
        r: int,
        runs: NDArray[np.intp],
        mets: Sequence[frozenset[str]],
        deal: _States,
        dyads: Sequence[Dyad],
        perceived: Sequence[Params],
    ) -> NDArray[np.bool_]:
        """Whether each deal would be broken: from the state ``deal`` leaves in the
        runs ``runs``, :attr:`check_rounds` rounds of the agents' own strategies (the
        look-ahead's game: no noise, no talks, the demands ``mets`` met lifted), with their
        current beliefs ``perceived`` and the deal's ``dyads`` held as the run holds them
        (:meth:`hold_from_start`: as ceilings), raise one of those dyads above the deal."""
        rt = self.rt
        ij = [(rt.pos[a], rt.pos[b]) for a, b in dyads if a in rt.pos and b in rt.pos]
        rt.settle(deal)
        out = np.zeros(len(runs), dtype=bool)
        by: dict[frozenset[str], list[int]] = {}
        for g_, m in enumerate(mets):
            by.setdefault(m, []).append(g_)
        for met, part in by.items():
            at = np.array(part, dtype=np.intp)
            start = _take(deal, at)
            wrote = np.zeros((len(at), rt.k, rt.k), dtype=bool)
            for i, j in ij:  # the deal's dyads: written by the talks, the round's news
                wrote[:, i, j] = True
            play = self.play(
                self._look_game(r, met), self.check_rounds,
                [(pp, v[runs[at]]) for pp, v in self.items if pp.kind != "noise"],
                _Streams.of_seeds([0] * len(at)), "look", idx=rt.idx, start=start,
                perceived=[take_params(x, at) for x in perceived], held=tuple(dyads),
                on_round=self._looked, past=self._past(runs[at], r, wrote=wrote),
            )  # fmt: skip
            high = play["arrays"]["tariff"][:, 1:].max(axis=1)
            for i, j in ij:
                out[at] |= high[:, i, j] > start.tariff[:, i, j] + 1e-12
        return out

    def expire(self, st: _States, r: int) -> None:
        """Agreements that run out this round: renewed if every party prefers it, else lapsed.

        Each party compares keeping the state in force (the agreed rates, or lower where
        a party has cut below them; held forever) with the
        lapse (the agreed dyads back at their levels before the deal, then the
        agents play on for the negotiation's horizon and the last state is
        held), on its perceived model. Renewal records a new agreement with the
        same terms and term; a lapse writes the old levels and frees the dyads.

        Batched like :meth:`bargain`: the runs whose agreements run out are
        grouped by the concessions they have met and the parties, and each
        group's lapses are one batched look-ahead (a run's agreements that run
        out in the same round are taken in order, one per pass).
        """
        if not self.terms:
            return
        due: dict[int, list[int]] = {}
        for q, k in sorted(self.expiring.pop(r, ())):  # runs in order, each's in order
            due.setdefault(q, []).append(k)
        if not due:
            return
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        if st.layers is not None:
            st.layers = st.layers.copy()
        while due:
            groups: dict[tuple[frozenset[str], tuple[str, ...]], list[tuple[int, int]]] = {}
            for q, ks in due.items():
                k = ks.pop(0)
                if not any(v[1] == k for v in self.locked[q].values()):
                    continue  # broken before it ran out
                key = (frozenset(self.met[q]), tuple(self.agreements[q][k].parties))
                groups.setdefault(key, []).append((q, k))
            due = {q: ks for q, ks in due.items() if ks}
            for (met, parties), items in groups.items():
                self._expire_group(st, r, met, parties, items)
        self.rt.settle(st)

    def _expire_group(
        self,
        st: _States,
        r: int,
        met: frozenset[str],
        parties: tuple[str, ...],
        items: Sequence[tuple[int, int]],
    ) -> None:
        """Renew or lapse the agreements ``items`` ((run, agreement index)) at once."""
        rt = self.rt
        g0, pos = rt.game, rt.pos
        neg = g0.negotiation
        d, h = neg.round_discount(g0.round_days), int(neg.horizon)
        rows = np.array([q for q, _ in items], dtype=np.intp)
        G = len(rows)
        start = _take(st, rows)
        t = start.tariff.copy()
        mine = np.zeros(t.shape, dtype=bool)  # the agreements' dyads, which a lapse writes
        for g_, (q, k) in enumerate(items):
            for (x, y), lvl in self.agreements[q][k].before.items():
                t[g_, pos[x], pos[y]] = lvl
                mine[g_, pos[x], pos[y]] = True
        lapse = dataclasses.replace(  # (the other dyads keep the moves of the round before)
            start, tariff=t, peak=np.maximum(start.peak, t),
            moved=np.where(mine, t - start.tariff, start.moved),
            layers=None if start.layers is None else rt.resplit(start.layers, start.tariff, t),
        )  # fmt: skip
        look = self._look_game(r, met)
        sub = [(pp, v[rows]) for pp, v in self.items if pp.kind != "noise"]
        # the agents start the look-ahead with the beliefs they started the game with; a lapse
        # writes the agreements' dyads (their change is the round's news)
        out = self.play(
            look, h, sub, _Streams.of_seeds([0] * G), "look", idx=rt.idx, start=lapse,
            on_round=self._looked, past=self._past(rows, r, wrote=mine),
        )  # fmt: skip
        models = {p: self._party_params(p, rows) for p in parties}
        lapsed = _carry_on_batch(rt, out["arrays"], lapse, models, d, h)
        zero = np.zeros_like(start.tariff[:, None])
        held = StateBatch(
            tariff=start.tariff[:, None], control=start.control[:, None],
            peak=start.peak[:, None], moved=zero, support=start.support[:, None],
            shock=start.shock[:, None],
        )  # fmt: skip
        keep = {
            p: total_distinct(
                rt.view, models[p], rt.weights, rt.active, held, held.tariff, zero,
                held.control, me=pos[p],
            )[:, 0] / (1 - d)
            for p in parties
        }  # fmt: skip
        date = g0.date(r)
        gains = {p: (keep[p] - lapsed[p]).tolist() for p in parties}  # every run's at once
        for g_, (q, k) in enumerate(items):
            a = self.agreements[q][k]
            gain = {p: gains[p][g_] for p in a.parties}
            if all(v >= 0 for v in gain.values()):
                k2 = len(self.agreements[q])
                self.renewals[q].add(k2)
                tot = sum(gain.values()) or 1.0
                self._append(
                    q,
                    Agreement(
                        round=r, date=date, parties=a.parties, terms=a.terms, concessions=(),
                        gain=gain, split={p: v / tot for p, v in gain.items()},
                        label=a.label if a.label.endswith(_RENEWED) else a.label + _RENEWED,
                        layers=a.layers,
                        expires=r + (a.expires - a.round if a.expires is not None else 0),
                        before=a.before,
                    )
                )  # fmt: skip
                self.locked[q] = {
                    dy: (v[0], k2 if v[1] == k else v[1]) for dy, v in self.locked[q].items()
                }
                self.notes[q].append((r, f"agreement of round {a.round} ({a.label}) renewed"))
                continue  # the same dyads held: the run's row of ``lock`` stands
            who = ", ".join(p for p, v in gain.items() if v < 0)
            self.locked[q] = {dy: v for dy, v in self.locked[q].items() if v[1] != k}
            st.tariff[q] = t[g_]
            st.peak[q] = lapse.peak[g_]
            st.moved[q] = lapse.moved[g_]
            self.wrote[q] |= mine[g_]
            if st.layers is not None and lapse.layers is not None:
                st.layers[q] = lapse.layers[g_]
            self.notes[q].append(
                (r, f"agreement of round {a.round} ({a.label}) lapsed: {who} preferred it")
            )
            self._lock_row(q)

    def _lock_row(self, q: int) -> None:
        """Refresh run ``q``'s row of :attr:`lock` from its agreed dyads."""
        locked = self.locked[q]
        self.lock[q] = [d in locked for d in self.rt.keys]

    def _met_groups(self) -> dict[frozenset[str], NDArray[np.intp]]:
        """Runs grouped by the concessions they have met (cached until a bargain)."""
        if self._groups is None:
            by: dict[frozenset[str], list[int]] = {}
            made, none = self.met.made, frozenset[str]()
            for q in range(self.rt.runs):  # in the order of the runs, as the groups are met
                m = made.get(q)
                by.setdefault(frozenset(m) if m else none, []).append(q)
            self._groups = {k: np.array(v, dtype=np.intp) for k, v in by.items()}
        return self._groups

    def floors(self, q: int) -> dict[Dyad, float]:
        """Run ``q``'s floors this round: the unmet demands' levels per dyad."""
        if not self.active:
            return {}
        return self.rt.game.negotiation.floors(self.met[q])

    def constrain(self, st: _States, moves: NDArray[np.int8], r: int) -> NDArray[np.int8]:
        """Hold agreed dyads at or below their agreed rates (ceilings), and keep unmet demands.

        An agreed rate is a ceiling, as a trade agreement's bound rate is: a
        party may cut below it, and raise again up to it. A raise above it in
        the round the agreement is struck is held, so the round ends at the
        agreed terms; in a later round it breaks the agreement (and is noted).
        A cut, of an agreed dyad or another, stops at the unmet demands'
        floors. Vectorised over runs: only runs that raise an agreed dyad are
        handled one by one.
        """
        if not self.active:
            return moves
        rt = self.rt
        neg = rt.game.negotiation
        lock = self.lock
        raised = (moves > 0) & lock
        after = {
            c: self._levels_after(st, c, moves[:, c])
            for c in np.flatnonzero(raised.any(axis=0)).tolist()
        }
        for q in np.flatnonzero(raised.any(axis=1)).tolist():
            locked = self.locked[q]
            broken: dict[int, str] = {}
            for c, d in enumerate(rt.keys):
                if moves[q, c] > 0 and d in locked:
                    if after[c][q] <= locked[d][0] + 1e-12:
                        continue  # within the ceiling
                    kk = locked[d][1]
                    if self.agreements[q][kk].round == r and kk not in self.renewals[q]:
                        moves[q, c] = 0  # struck this round: the terms stand this round
                        continue
                    broken.setdefault(locked[d][1], d[0])
            for kk, who in sorted(broken.items()):
                self._break(q, kk, r, f"{who} breaks")
        out = moves
        cut = moves < 0
        for met, rows in self._met_groups().items():
            floors = neg.floors(met)
            for c, d in enumerate(rt.keys):
                if d not in floors:
                    continue
                sel = rows[cut[rows, c]]
                if not sel.size:
                    continue
                # a cut stops at the floor: a move of several rungs takes those that keep
                # the tariff at or above it (one rung: that one, or none)
                mv = moves[:, c].copy()
                for _ in range(-int(mv[sel].min())):
                    level = self._levels_after(st, c, mv)
                    over = sel[(level[sel] < floors[d] - 1e-12) & (mv[sel] < 0)]
                    if not over.size:
                        break
                    mv[over] += 1
                if (mv[sel] != moves[sel, c]).any():
                    if out is moves:
                        out = moves.copy()
                    out[sel, c] = mv[sel]
        return out

    def _break(self, q: int, kk: int, r: int, who: str) -> None:
        """Run ``q``'s agreement ``kk`` is broken in round ``r`` (``who``: "US breaks", ...):
        noted, and its dyads freed."""
        a = self.agreements[q][kk]
        self.notes[q].append((r, f"{who} the agreement of round {a.round} ({a.label})"))
        self.locked[q] = {dy: v for dy, v in self.locked[q].items() if v[1] != kk}
        self._lock_row(q)

    def _levels_after(self, st: _States, c: int, moves: NDArray[np.int8]) -> Array:
        """Every run's headline on dyad ``rt.keys[c]`` after its ``moves`` (R,) on it (the
        layers stepped where they are off their headline's split)."""
        rt = self.rt
        d, (i, j) = rt.keys[c], rt.key_ij[c]
        now = st.tariff[:, i, j]
        return rt.step_off(st, d, now, moves, rt.ladders[d].step_rungs(now, moves))


def _bare(state: State) -> State:
    """``state`` as the batched deal search and the disagreement point value deals: on its
    tariffs, controls, peaks, moves and support, without the market's mood, grievances or
    tie losses (:meth:`_Talks._deal_one` gives it to :func:`~tariffsim.deals.solve_deal`,
    whose values must be the batched search's, as the disagreement values it is given are).
    """
    n = state.n
    tie = None if state.tie_loss is None else np.zeros_like(state.tie_loss)
    return state._with(
        equity=np.zeros(n), bond=np.zeros(n), grievance=np.zeros((n, n)),
        tie_loss=tie,
    )  # fmt: skip


def _broken_note(event: Event, n: int, what: str, rounds: int) -> str:
    """A run's note of the deals its summit set aside as not self-enforcing."""
    return (
        f"{event.label or 'summit'}: {n} better deal{'s' * (n > 1)} set aside, each of which "
        f"a party's own strategy would break within {rounds} rounds, so {what}"
    )


def _dealt(
    rt: _Run,
    base: _States,
    tariff: Array,
    lifted: NDArray[np.bool_],
    ij: Sequence[tuple[int, int]],
    layers: Array | None,
) -> _States:
    """The state deals leave: ``base`` (the runs' states, a copy) with the agreed
    ``tariff``, the export controls ``lifted`` by the concessions at zero, the peaks,
    what each deal's dyad moved (a dyad it keeps: 0), and the layers: the agreed
    ``layers`` of a layered bargain, else a changed dyad's canonical split."""
    old, new = base.tariff, np.array(tariff)
    moved = np.array(base.moved)
    for i, j in ij:
        moved[:, i, j] = new[:, i, j] - old[:, i, j]
    if base.layers is not None:
        if layers is not None:
            base.layers = np.array(layers)
        else:
            base.layers = np.where((new != old)[:, None], rt.split(new), base.layers)
    base.tariff, base.moved = new, moved
    base.control = np.where(lifted, 0.0, base.control)
    base.peak = np.maximum(base.peak, new)
    return base


def _carry_on(
    path: Path,
    start: State,
    parties: Sequence[str],
    models: Mapping[str, Any],
    w: World,
    discount: float,
    horizon: int,
) -> dict[str, float]:
    """Discounted value of a look-ahead path, then its last state held forever (no moves)."""
    h = horizon
    states = [start]
    for k in range(1, h + 1):
        states.append(
            State._trusted(
                tariff=path.tariff[k],
                control=path.control[k],
                peak=np.maximum(start.peak, path.tariff[: k + 1].max(axis=0)),
                moved=path.tariff[k] - path.tariff[k - 1],
                support=start.support,
                shock=np.zeros(start.n),
            )
        )
    nxt = StateBatch.stack(states[1:])
    prv = StateBatch.stack(states[:-1])
    # held: nothing moves (a raise in the look-ahead's last round is not charged forever)
    last = StateBatch.stack([dataclasses.replace(states[-1], moved=np.zeros_like(start.moved))])
    disc = discount ** np.arange(h)
    out = {}
    for p in parties:
        k = w.index(p)
        flows = np.asarray(models[p].payoff(nxt, prev=prv))[:, k]
        tail = float(np.asarray(models[p].payoff(last, prev=last))[0, k])
        out[p] = float(disc @ flows) + discount**h * tail / (1 - discount)
    return out


def _carry_on_batch(
    rt: _Run,
    look: Mapping[str, Array],
    start: _States,
    models: Mapping[str, Params],
    discount: float,
    horizon: int,
) -> dict[str, Array]:
    """Each party's discounted value of each run's look-ahead, then its last state held.

    ``look`` holds the look-ahead's tariffs and controls ``(G, h+1, k, k)``
    (row 0 the start); ``models`` each party's perceived parameters in those
    runs. The batched :func:`_carry_on`: ``sum_t d**t flow_t + d**h tail / (1 - d)``.
    """
    h = horizon
    tau, ctl = look["tariff"], look["control"]
    lay = look["layers"] if start.off is not None and start.off.any() else None
    peak = np.maximum(start.peak[:, None], np.maximum.accumulate(tau, axis=1))[:, 1 : h + 1]
    moved = tau[:, 1:] - tau[:, :-1]
    support = start.support[:, None]
    shock = np.zeros_like(support)
    nxt = StateBatch(
        tariff=tau[:, 1:], control=ctl[:, 1:], peak=peak, moved=moved, support=support,
        shock=shock, layers=None if lay is None else lay[:, 1:],  # type: ignore[arg-type]
    )  # fmt: skip
    prev_tau = np.concatenate([start.tariff[:, None], tau[:, 1:h]], axis=1)
    prev_moved = np.concatenate([start.moved[:, None], moved[:, :-1]], axis=1)
    prev_ctl = np.concatenate([start.control[:, None], ctl[:, 1:h]], axis=1)
    held = np.zeros_like(moved[:, -1:])  # nothing moves in the tail, as in a deal's steady state
    last = StateBatch(
        tariff=tau[:, h:], control=ctl[:, h:], peak=peak[:, -1:], moved=held,
        support=support, shock=shock, layers=None if lay is None else lay[:, h:],  # type: ignore[arg-type]
    )  # fmt: skip
    disc = discount ** np.arange(h)
    out: dict[str, Array] = {}
    for p, params in models.items():
        k = rt.pos[p]
        flows = total_distinct(
            rt.view, params, rt.weights, rt.active, nxt, prev_tau, prev_moved, prev_ctl, me=k
        )
        tail = total_distinct(
            rt.view,
            params,
            rt.weights,
            rt.active,
            last,
            last.tariff,
            last.moved,
            last.control,
            me=k,
        )[:, 0]
        acc = np.zeros(len(tau))
        for t in range(h):  # left to right: a run's value does not depend on the batch
            acc = acc + disc[t] * flows[:, t]
        out[p] = acc + discount**h * tail / (1 - discount)
    return out
