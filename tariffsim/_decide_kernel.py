"""Compiled payoffs of the engine: decision totals and full breakdowns (numba).

One compiled kernel computes every term of
:func:`tariffsim.payoffs._evaluate_block` for the arguments the engine gives
it, per run and candidate profile, and serves two uses:

* :func:`totals`: the total payoff ``sum_k weights[k] * terms[k]`` per
  country, all a strategy that best-responds in the batched engine reads
  (:meth:`tariffsim.engine.BatchObservation.payoff`), optionally for one
  country only (``me``), with its own memo of equal runs;
* :func:`breakdown`: the whole :class:`~tariffsim.payoffs.Breakdown` (every
  term, the total, the burden once trade has adjusted, recession odds,
  drawdown, approval, the equity index, bond stress, the burden the market
  priced and its value) for what :func:`tariffsim._distinct.evaluate_distinct` evaluates:
  the market pricing each round's new state (``_Run.evaluate_state``, fresh
  or carrying the mood over) and the look-aheads and deal searches of the
  talks (no slow state, a previous state per profile). ``imports`` and
  ``effective`` stay lazy and are computed by the block's own numpy code on
  first access (the engine reads them only when it records every field).

The two differ only in what is written out (a flag of the kernel: the
totals-only path writes one array and skips the index and bond stress when
no crash is priced), so the term code exists once and a decision's total is
the breakdown's total to the bit. The inputs are those the block takes in
the engine: the world's view of the involved countries (segments, the
headline-to-segment rates of the world's tariff layers), the batched
parameters (leading run axes), the market's parameters when they differ, the
term weights, the answerable dyads, the candidate states, the previous state
(shared by a run's profiles, or one per profile) and the slow state (ties in
force, tie loss held, grievances, the previous equity index, bond stress and
the value the market priced; each may be absent, as in the block).

Scope: every term of the block — trade terms per product segment at the
elasticity in force and once trade has adjusted (partial adjustment), the
burden behind recession odds and markets, the equity index and the crash
cost priced by the market's model, alliance strain with the ties in force
and the tie loss held, coalitions, face and resolve with unanswered
escalations (the value of an answer), grievances, export controls (the
dependence term, the control strain and the cost of easing them) and
reciprocity — for candidate states given by headline tariffs or by tariff
layers. Arguments outside the engine's layout (parameters without the
leading run axes the engine gives them, state arrays without its runs and
profiles axes) return None, and the caller takes the numpy block.

Each row (run) is computed independently, every entry by the same scalar
code in a fixed order, so a run's totals never depend on the other runs of
its batch; a large call is split into blocks of runs computed on several
threads at once (:mod:`tariffsim.threads`: the kernel releases the GIL), with
the same bits however the blocks fall. Within a run, a candidate equal to an earlier one (the same
tariffs, controls, peaks and layers from a previous state its profiles share:
a move past a ladder's end is a hold, so nearly half the joint moves of a
four-country decision repeat another) is not computed again: its numbers are
the earlier one's, the very same bits. The arithmetic follows the numpy block term by term, in the
same order of operations and summations; where the block takes a branch
for the whole batch (partial adjustment, an escalation pending, a control
eased, a crash weight), the kernel takes it per run (per candidate for a
control eased), with the same result
(the skipped work adds exact zeros). Whether the market's mood is carried
over the block decides for the whole batch (any equity index not zero),
the kernel per run; the two differ only for a run at an index of exactly
zero in a batch with others (a state the engine does not reach). Likewise
the burden the market prices an agent's model by (``market_burden``, and
the index and bond stress behind it) for a run without a crash weight in a
batch with runs that have one: the block prices every run by the market's
model, the kernel that run by the agent's (the run's total is the same; the
engine's own market pricing uses the true model, where the two agree).

The trade response is computed as the compiled trade terms of
:mod:`tariffsim._trade_kernel` compute it, ``q = exp(-s log(1 + p t))``
for ``(1 + p t) ** -s`` and the pain area ``M0 / (s - 1) (1 - (1 + p t) q)``,
so that with both kernels in force (one switch, ``TARIFFSIM_JIT``) the
trade terms are the block's to the last bit. The rest of the ``exp`` and
``log`` are the C library's where numpy uses its own vectorised versions,
and sums over more than 7 countries run left to right where numpy sums
pairwise: the totals and every other field agree with the block's to a few
units in the last place (the tests allow 1e-12 of the terms' size), not to
the bit; against the numpy trade terms (``pow``), to about 1e-12 relative
where a small tariff leaves ``1 - (1 + p t) q`` to cancel.

Used when numba is installed (the ``fast`` extra) and not switched off by
``TARIFFSIM_JIT=0`` (or ``false``, ``no``, ``off``; read at import).
"""

from __future__ import annotations

import math
import operator
import threading
import weakref
from collections import OrderedDict
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from . import _trade_kernel, threads
from ._rows import _hash, distinct_rows, taken_from
from ._trade_kernel import AVAILABLE, ENV, OneSignature
from .dynamics import per_time
from .payoffs import (
    DRAWDOWN_CAP,
    TERMS,
    Breakdown,
    Params,
    _candidate_rates,
    _segment_plan,
    _SegmentRater,
    _trade_inputs,
    _trade_terms,
    _WorldView,
)
from .world import World

__all__ = ["AVAILABLE", "ENABLED", "ENV", "breakdown", "totals"]

ENABLED = _trade_kernel.ENABLED
"""Whether the engine's decisions use the compiled totals (read at each call; set at import
from the one switch, :data:`tariffsim._trade_kernel.ENV`, as the trade kernel)."""

Array = NDArray[np.float64]

# ---------------------------------------------------------------------------
# Parameters packed into three arrays per model: per dyad, per country, scalars.
# ---------------------------------------------------------------------------
_DYAD = ("pass_through", "dependence", "critical_exposure")
_COUNTRY = (
    "revenue_weight", "recession_base", "recession_cost", "market_beta", "market_weight",
    "approval_base", "approval_price", "approval_market", "political_weight",
    "alliance_weight", "coalition_weight", "face_weight", "face_zero_cost", "resolve_weight",
    "control_strain", "crash_weight", "crash_threshold", "tie_value", "grievance_weight",
    "reciprocity_weight", "index_beta",
)  # fmt: skip
_SCALAR = (
    "elasticity", "elasticity_short", "export_margin", "recession_slope", "support_effect",
    "face_mutual_relief", "answer_scale", "bond_weight", "reciprocity_reference", "bond_beta",
)  # fmt: skip
# positions (the kernel reads them as constants)
D_PT, D_DEP, D_CE = 0, 1, 2
(
    C_RW, C_RBASE, C_RCOST, C_MBETA, C_MW, C_ABASE, C_APRICE, C_AMKT, C_PW, C_AW, C_CW,
    C_FW, C_FZC, C_RESW, C_CS, C_CRW, C_CRT, C_TV, C_GW, C_RECW, C_IB,
) = range(len(_COUNTRY))  # fmt: skip
(
    S_EL, S_ELS, S_MARGIN, S_RSLOPE, S_SE, S_FMR, S_ANS, S_BW, S_REF, S_BB, S_SPEED,
) = range(len(_SCALAR) + 1)  # fmt: skip
"""``S_SPEED``: the market's speed for a round of the view's length (:func:`per_time`)."""

_DRAWDOWN_CAP = DRAWDOWN_CAP  # (a global the kernel reads as a constant)
_LN2 = 0.693147180559945309417232121458176568
"""``NPY_LOGE2``, as ``numpy.logaddexp`` adds it for equal arguments."""


# scratch slots: matrices (k, k) and vectors (k,)
(
    M_TAU, M_CTL, M_EL, M_ELLR, M_ELM, M_FLOWS, M_FLOWS_A, M_TMP, M_BITE, M_MIRROR,
    M_T0, M_PMOV, M_PCTL, M_RESIST,
) = range(14)  # fmt: skip
_N_MATS = 14
V_TRADE, V_TRADE_A, V_TRADE_M = 0, 3, 6  # three rows each: pain, revenue, retaliation
V_LOST, V_PRICED, V_BPREV, V_LOGIT, V_SOME = 9, 10, 11, 12, 13
_N_VECS = 14

# rows of the full breakdown (``full``): the terms in TERMS order, then the indicators
O_BURDEN, O_RECESSION, O_DRAWDOWN, O_APPROVAL, O_EQUITY, O_BOND, O_MARKET, O_PRICED = range(12, 20)
N_OUT = 20


def _kernel(
    tariff: Any, cctl: Any, layers: Any, has_layers: bool,
    t0: Any, pmov: Any, pctl: Any, peak: Any, peak_max: bool,
    adj: Any, grv: Any, has_grv: bool, weff: Any, wtwo: Any,
    sup: Any, shk: Any, peq: Any, pbd: Any, pmv: Any, has_pmv: bool, held: Any, has_held: bool,
    m0: Any, m0_seg: Any, m0_rest: Any, gdp: Any, seg_mask: Any, base: Any,
    plan_ij: Any, plan_tops: Any, plan_nl: Any, plan_seg: Any, plan_segn: Any,
    weights: Any, active: Any,
    pd: Any, pc: Any, ps: Any, md: Any, mc: Any, msc: Any, has_market: bool, me: int,
    full: bool, out: Any, outs: Any, r0: int, r1: int,
) -> None:  # fmt: skip
    """Totals ``out[r, q, i]`` of candidates ``tariff[r, q]`` of runs ``r0 <= r < r1``.

    Shapes (``R`` runs, ``P`` profiles, ``k`` countries, ``K`` segments,
    ``L`` layers; ``P'`` is 1 or ``P``, per array): ``tariff`` ``(R, P, k, k)``,
    ``cctl`` ``(R, P', k, k)``, ``layers`` ``(R, P', L, k, k)`` (read when
    ``has_layers``); the previous state ``t0``, ``pmov``, ``pctl`` and the
    candidates' peaks ``peak`` ``(R, P', k, k)`` (``peak_max``: the peak is
    ``max(peak, tariff)``, the engine's decisions pass the state's);
    ``adj``, ``grv`` (read when ``has_grv``) ``(R, k, k)``; ``weff``, ``wtwo``
    ``(1 or R, k, k)``; ``sup``, ``shk``, ``peq``, ``pbd``, ``pmv`` (the value
    the market priced the previous state at, with its burden and its support,
    read when ``has_pmv``), ``held`` (read when ``has_held``) ``(R, k)``; ``pd``/``md``
    ``(R', 3, k, k)``, ``pc``/``mc`` ``(R', 21, k)``, ``ps``/``msc`` ``(R', 11)``
    with ``R'`` 1 or ``R``. ``me >= 0``: only country ``me``'s totals are
    computed (the others' entries of ``out`` are left as they are), from the
    dyads of its row and column only. ``full``: every term and indicator is
    written to ``outs`` ``(N_OUT, R, P, k)`` as well (rows: the terms in
    ``TERMS`` order, then ``O_BURDEN`` ... ``O_PRICED``), and the equity index,
    bond stress and the burden the market prices are computed whether or not
    a crash is priced.

    What depends on the previous state alone (an escalation pending and the
    damage an answer would do, the value the previous state priced) is
    computed once a run when the previous state is shared by its profiles,
    else once a profile. No array views are taken in the loops (each would
    touch a reference count).
    """
    P, k = tariff.shape[1], tariff.shape[2]
    K = m0_seg.shape[0]
    mats = np.zeros((_N_MATS, k, k))
    vecs = np.zeros((_N_VECS, k))
    rates = np.zeros((K, k, k))
    takes = np.zeros(max(plan_tops.shape[1], 1))
    # per variant and dyad: log(1 + p t) and (1 + p t) ** -s, and the (t, p, s) they are of
    pows = np.zeros((3, 2, K, k, k))
    keys = np.full((3, 3, K, k, k), np.nan)  # nothing computed yet (nan equals nothing)
    per_q = t0.shape[1] > 1 or pmov.shape[1] > 1 or pctl.shape[1] > 1
    hashes = np.zeros(P)  # a summary of each candidate of the run (equal candidates: equal)
    for r in range(r0, r1):
        rp = min(r, pd.shape[0] - 1)
        rc = min(r, pc.shape[0] - 1)
        rs = min(r, ps.shape[0] - 1)
        mrd = min(r, md.shape[0] - 1)
        mrc = min(r, mc.shape[0] - 1)
        mrs = min(r, msc.shape[0] - 1)
        rw = min(r, weff.shape[0] - 1)
        s_lr = ps[rs, S_EL]
        s_sr = ps[rs, S_ELS]
        margin = ps[rs, S_MARGIN]
        fmr = ps[rs, S_FMR]
        m_margin = msc[mrs, S_MARGIN]
        m_se = msc[mrs, S_SE]
        # the elasticity in force per dyad (payoffs.elasticity_in_force)
        adjusting = False
        for i in range(k):
            for j in range(k):
                a = adj[r, i, j]
                e = s_lr if (s_lr == s_sr or a == 1.0) else s_sr + (s_lr - s_sr) * a
                mats[M_EL, i, j] = e
                mats[M_ELLR, i, j] = s_lr
                mats[M_ELM, i, j] = msc[mrs, S_EL]
                if e != s_lr:
                    adjusting = True
        crash = False
        for i in range(k):
            if pc[rc, C_CRW, i] != 0:
                crash = True
            rb = pc[rc, C_RBASE, i]
            vecs[V_LOGIT, i] = math.log(rb / (1.0 - rb))  # the base odds, once a run
        pending = False
        for q in range(P):
            if q == 0 or per_q:  # the previous state (once a run unless it differs by profile)
                q0 = min(q, t0.shape[1] - 1)
                qm = min(q, pmov.shape[1] - 1)
                qp = min(q, pctl.shape[1] - 1)
                for i in range(k):
                    for j in range(k):
                        mats[M_T0, i, j] = t0[r, q0, i, j]
                        mats[M_PMOV, i, j] = pmov[r, qm, i, j]
                        mats[M_PCTL, i, j] = pctl[r, qp, i, j]
                # an escalation pending: the damage an equal answer would do, G
                pending = False
                for i in range(k):
                    for j in range(k):
                        mats[M_BITE, i, j] = 0.0
                        if mats[M_PMOV, i, j] > 0:
                            pending = True
                if pending:
                    for i in range(k):
                        for j in range(k):
                            mats[M_MIRROR, i, j] = mats[M_T0, i, j] + max(mats[M_PMOV, j, i], 0.0)
                    _rates_of(mats, M_MIRROR, base, plan_ij, plan_tops, plan_nl, plan_seg,
                              plan_segn, takes, rates)  # fmt: skip
                    _trade(rates, m0_seg, gdp, pd, rp, mats, M_ELLR, margin, pc, rc, False, vecs,
                           V_TRADE, M_TMP, V_LOST, me)  # fmt: skip
                    for i in range(k):
                        for j in range(k):
                            g = _bite(m0_rest[i, j] + mats[M_TMP, i, j], m0[i, j])
                            mats[M_BITE, i, j] = g
                    _rates_of(mats, M_T0, base, plan_ij, plan_tops, plan_nl, plan_seg, plan_segn,
                              takes, rates)  # fmt: skip
                    _trade(rates, m0_seg, gdp, pd, rp, mats, M_ELLR, margin, pc, rc, False, vecs,
                           V_TRADE, M_TMP, V_LOST, me)  # fmt: skip
                    for i in range(k):
                        for j in range(k):
                            g = _bite(m0_rest[i, j] + mats[M_TMP, i, j], m0[i, j])
                            mats[M_BITE, i, j] = mats[M_BITE, i, j] - g
                # the value the previous state priced (a mood carried over)
                carried = False
                for i in range(k):
                    vecs[V_PRICED, i] = 0.0
                    if peq[r, i] != 0:
                        carried = True
                if carried:
                    if has_pmv:  # as the market priced it, with the support of its day
                        for i in range(k):
                            vecs[V_PRICED, i] = pmv[r, i]
                    else:
                        _rates_of(mats, M_T0, base, plan_ij, plan_tops, plan_nl, plan_seg,
                                  plan_segn, takes, rates)  # fmt: skip
                        _trade(rates, m0_seg, gdp, md, mrd, mats,
                               M_ELM if has_market else M_ELLR, m_margin, mc, mrc, True, vecs,
                               V_TRADE, M_TMP, V_LOST, me)  # fmt: skip
                        for i in range(k):
                            dep_i = _dep(mats, M_PCTL, md, mrd, i, k)
                            t3 = vecs[V_TRADE, i] + vecs[V_TRADE + 1, i] + vecs[V_TRADE + 2, i]
                            vecs[V_BPREV, i] = -(t3 + dep_i)
                        for i in range(k):
                            x = mc[mrc, C_IB, i] * vecs[V_BPREV, i] - m_se * sup[r, i]
                            vecs[V_PRICED, i] = -max(x, 0.0)
            qc = min(q, cctl.shape[1] - 1)
            qk = min(q, peak.shape[1] - 1)
            ql = min(q, layers.shape[1] - 1)
            if not per_q:  # a candidate equal to an earlier one of the run (a move past a
                # ladder's end is a hold): the same inputs, the same numbers, taken again
                hashes[q] = _candidate_hash(tariff, cctl, r, q, qc)
                twin = -1
                for q2 in range(q):
                    if hashes[q2] == hashes[q] and _same_candidate(
                        tariff, cctl, layers, has_layers, peak, r, q, q2
                    ):
                        twin = q2
                        break
                if twin >= 0:
                    for i in range(k):
                        if me < 0 or i == me:
                            out[r, q, i] = out[r, twin, i]
                            if full:
                                for o in range(N_OUT):
                                    outs[o, r, q, i] = outs[o, r, twin, i]
                    continue
            eased = False  # an export control eased (the block's test, per candidate)
            for i in range(k):
                for j in range(k):
                    mats[M_TAU, i, j] = tariff[r, q, i, j]
                    mats[M_CTL, i, j] = cctl[r, qc, i, j]
                    if mats[M_PCTL, i, j] != mats[M_CTL, i, j]:
                        eased = True
            # segment rates of the candidate (payoffs._segment_rater, or segment_rates of layers),
            # written out as _rates_of/_layer_rates are: calling them here made every
            # scenario 1.3-1.7x slower (measured)
            if K == 1:  # one segment: every layer hits it, its rate is the headline
                for i in range(k):
                    for j in range(k):
                        rates[0, i, j] = mats[M_TAU, i, j]
            elif has_layers:
                for kk in range(K):
                    for i in range(k):
                        for j in range(k):
                            acc = 0.0
                            for m in range(seg_mask.shape[1]):
                                acc += seg_mask[kk, m, i, j] * layers[r, ql, m, i, j]
                            rates[kk, i, j] = acc
            else:
                for kk in range(K):
                    for i in range(k):
                        for j in range(k):
                            rates[kk, i, j] = base[kk, i, j] * mats[M_TAU, i, j]
                for d in range(plan_ij.shape[0]):
                    i, j = plan_ij[d, 0], plan_ij[d, 1]
                    rest = mats[M_TAU, i, j]
                    nl = plan_nl[d]
                    for m in range(nl):
                        if m == nl - 1:
                            take = rest
                        else:
                            top = plan_tops[d, m]
                            take = rest if rest <= top else top
                        takes[m] = take
                        rest = rest - take
                    for kk in range(K):
                        cnt = plan_segn[d, kk]
                        if cnt == 0:
                            rates[kk, i, j] = 0.0
                            continue
                        acc = takes[plan_seg[d, kk, 0]]
                        for t in range(1, cnt):
                            acc = acc + takes[plan_seg[d, kk, t]]
                        rates[kk, i, j] = acc
            # trade terms (as _trade, written out: a call would touch reference counts):
            # v = 0 at the elasticity in force, 1 once trade has adjusted, 2 the market's
            for v in range(3):
                if v == 1 and not adjusting:
                    for i in range(k):
                        for c in range(3):
                            vecs[V_TRADE_A + c, i] = vecs[V_TRADE + c, i]
                        for j in range(k):
                            mats[M_FLOWS_A, i, j] = mats[M_FLOWS, i, j]
                    continue
                if v == 2 and not (crash and has_market):
                    continue
                el_v = M_EL if v == 0 else (M_ELLR if v == 1 else M_ELM)
                fl_v = M_FLOWS if v == 0 else (M_FLOWS_A if v == 1 else M_TMP)
                to = V_TRADE + 3 * v
                mg = margin if v < 2 else m_margin
                for i in range(k):
                    vecs[to, i] = 0.0
                    vecs[to + 1, i] = 0.0
                    vecs[to + 2, i] = 0.0
                    for j in range(k):
                        mats[fl_v, i, j] = 0.0
                for kk in range(K):
                    for j in range(k):
                        vecs[V_LOST, j] = 0.0
                    for i in range(k):
                        s_pain = 0.0
                        s_rev = 0.0
                        for j in range(k):
                            m0_ = m0_seg[kk, i, j]
                            if m0_ == 0.0 or (me >= 0 and i != me and j != me):
                                continue
                            t = rates[kk, i, j]
                            if t == 0.0:  # no tariff: the imports are the baseline's, and
                                # every term below adds an exact zero (log 1 = 0, 1 ** -s = 1)
                                mats[fl_v, i, j] += m0_
                                continue
                            p = pd[rp, D_PT, i, j] if v < 2 else md[mrd, D_PT, i, j]
                            s = mats[el_v, i, j]
                            pt1 = 1.0 + p * t
                            # powers of the same inputs are the very same numbers: taken,
                            # not computed again — those of this variant for an earlier
                            # candidate (or run), or of an earlier variant for this one
                            if (
                                keys[v, 0, kk, i, j] == t
                                and keys[v, 1, kk, i, j] == p
                                and keys[v, 2, kk, i, j] == s
                            ):
                                log1 = pows[v, 0, kk, i, j]
                                fac = pows[v, 1, kk, i, j]
                            else:
                                src = -1
                                if v == 1 and s == mats[M_EL, i, j]:
                                    src = 0
                                elif v == 2 and p == pd[rp, D_PT, i, j] and s == s_lr:
                                    src = 1 if adjusting else 0
                                if src >= 0:
                                    log1 = pows[src, 0, kk, i, j]
                                    fac = pows[src, 1, kk, i, j]
                                else:
                                    if v > 0 and p == pd[rp, D_PT, i, j]:
                                        log1 = pows[0, 0, kk, i, j]  # the same 1 + p t
                                    else:
                                        log1 = math.log(pt1)
                                    fac = math.exp(-s * log1)  # (1 + p t) ** -s
                                pows[v, 0, kk, i, j] = log1
                                pows[v, 1, kk, i, j] = fac
                                keys[v, 0, kk, i, j] = t
                                keys[v, 1, kk, i, j] = p
                                keys[v, 2, kk, i, j] = s
                            mm = m0_ * fac
                            mats[fl_v, i, j] += mm
                            if abs(s - 1.0) < 1e-12:
                                area = m0_ * log1
                            else:
                                area = m0_ / (s - 1.0) * (1.0 - pt1 * fac)
                            dp = pd[rp, D_DEP, i, j] if v < 2 else md[mrd, D_DEP, i, j]
                            s_pain += dp * area
                            s_rev += t * mm
                            absorbed = (1.0 - p) * t
                            if absorbed > mg:
                                absorbed = mg
                            vecs[V_LOST, j] += absorbed * mm + mg * (m0_ - mm)
                        rw_ = pc[rc, C_RW, i] if v < 2 else mc[mrc, C_RW, i]
                        vecs[to, i] += -(s_pain / (10.0 * gdp[i]))
                        vecs[to + 1, i] += rw_ * (s_rev / (10.0 * gdp[i]))
                    for j in range(k):
                        vecs[to + 2, j] += -(vecs[V_LOST, j] / (10.0 * gdp[j]))
            # coalitions: who resists each aggressor h (``M_RESIST[h, c]``), once a candidate
            for h in range(k):
                vecs[V_SOME, h] = 0.0
                for c in range(k):
                    t_hc = mats[M_TAU, h, c]  # c's answer to h, up to h's tariff on c
                    rv = 0.0
                    if t_hc > 0:
                        t_ch = mats[M_TAU, c, h]
                        rv = t_ch if t_ch < t_hc else t_hc
                    mats[M_RESIST, h, c] = rv
                    if rv != 0:
                        vecs[V_SOME, h] = 1.0
            for i in range(k):
                if me >= 0 and i != me:
                    continue
                pain = vecs[V_TRADE, i]
                rev = vecs[V_TRADE + 1, i]
                ret = vecs[V_TRADE + 2, i]
                dep_i = _dep(mats, M_CTL, pd, rp, i, k)
                t3 = vecs[V_TRADE_A, i] + vecs[V_TRADE_A + 1, i] + vecs[V_TRADE_A + 2, i]
                ahead = -(t3 + dep_i)
                # recession odds and markets read the burden once trade has adjusted
                rb = pc[rc, C_RBASE, i]
                shift = ps[rs, S_RSLOPE] * ahead
                if shift == 0.0:  # the base odds, exactly (payoffs.recession_odds)
                    prec = rb
                else:
                    prec = math.exp(-_logaddexp0(-(vecs[V_LOGIT, i] + shift)))
                prec = min(max(prec, 1e-12), 1.0 - 1e-12)
                rec = -(prec - rb) * pc[rc, C_RCOST, i]
                dd = max(pc[rc, C_MBETA, i] * ahead - ps[rs, S_SE] * sup[r, i], 0.0) - shk[r, i]
                dd = min(dd, _DRAWDOWN_CAP)
                mkt = -pc[rc, C_MW, i] * dd
                b_mkt = ahead
                eq = 0.0
                bond = 0.0
                priced = 0.0
                if crash or full:  # the equity index and bond stress, priced by the market
                    if crash and has_market:  # (the block prices a crash only by its model)
                        t3 = vecs[V_TRADE_M, i] + vecs[V_TRADE_M + 1, i] + vecs[V_TRADE_M + 2, i]
                        b_mkt = -(t3 + _dep(mats, M_CTL, md, mrd, i, k))
                    priced = -max(mc[mrc, C_IB, i] * b_mkt - msc[mrs, S_SE] * sup[r, i], 0.0)
                    carry = peq[r, i] - vecs[V_PRICED, i]
                    speed = msc[mrs, S_SPEED]
                    mood = (1.0 - speed) * carry + shk[r, i]
                    eq = max(priced + mood, -99.0)
                    bond = (1.0 - speed) * pbd[r, i] + msc[mrs, S_BB] * max(carry - mood, 0.0)
                    if crash:
                        stress = -eq + ps[rs, S_BW] * bond - pc[rc, C_CRT, i]
                        sx = max(stress, 0.0)
                        mkt = mkt - pc[rc, C_CRW, i] * (sx * sx)
                appr = pc[rc, C_ABASE, i] - pc[rc, C_APRICE, i] * (-pain) - pc[rc, C_AMKT, i] * dd
                appr = min(max(appr, 0.0), 1.0)
                pol = pc[rc, C_PW, i] * (appr - pc[rc, C_ABASE, i]) * 100.0
                # alliance: strain with the ties in force, controls kept, tie loss held
                strain = 0.0
                kept = 0.0
                for j in range(k):
                    strain += mats[M_TAU, i, j] * wtwo[rw, i, j]
                    kept += mats[M_CTL, i, j]
                ally = -pc[rc, C_AW, i] * strain
                ally = ally - pc[rc, C_CS, i] * kept
                if has_held:
                    ally = ally - pc[rc, C_TV, i] * held[r, i]
                # coalition: resisting a common aggressor h together
                coal_sum = 0.0
                for h in range(k):
                    if vecs[V_SOME, h] == 0.0:
                        continue
                    acc = 0.0
                    mine = mats[M_RESIST, h, i]
                    for c in range(k):
                        acc += min(mine, mats[M_RESIST, h, c]) * weff[rw, i, c]
                    coal_sum += acc
                coal = pc[rc, C_CW, i] * coal_sum
                # face and resolve
                unit = 0.0
                elim = 0.0
                rcut = 0.0
                griev = 0.0
                for j in range(k):
                    tij = mats[M_TAU, i, j]
                    tji = mats[M_TAU, j, i]
                    t0ij = mats[M_T0, i, j]
                    t0ji = mats[M_T0, j, i]
                    cut = max(t0ij - tij, 0.0)
                    partner = max(t0ji - tji, 0.0) > 0 or mats[M_PMOV, j, i] < 0
                    unit += cut * ((1.0 - fmr) if partner else 1.0)
                    pk = max(peak[r, qk, i, j], tij) if peak_max else peak[r, qk, i, j]
                    elim += 1.0 if (cut > 0 and tij <= 0 and pk > 0) else 0.0
                    d_ij = tij - t0ij
                    d_ji = tji - t0ji
                    pk_ji = max(peak[r, qk, j, i], tji) if peak_max else peak[r, qk, j, i]
                    uni = (
                        d_ji >= 0
                        and mats[M_PMOV, j, i] >= 0
                        and (pk_ji > 0 or mats[M_PMOV, i, j] > 0)
                    )
                    rcut += max(-d_ij, 0.0) * (1.0 if uni else 0.0)
                    if has_grv:
                        griev += cut * grv[r, i, j]
                face = -(pc[rc, C_FW, i] * unit + pc[rc, C_FZC, i] * elim)
                res = -pc[rc, C_RESW, i] * rcut
                if pending:  # escalations left unanswered
                    left = 0.0
                    for j in range(k):
                        size = mats[M_PMOV, j, i]
                        stake = 1.0 - _bite(m0_rest[j, i] + mats[M_FLOWS_A, j, i], m0[j, i])
                        worth = min(size, ps[rs, S_ANS] * mats[M_BITE, i, j] * stake)
                        d_ij = mats[M_TAU, i, j] - mats[M_T0, i, j]
                        left += active[i, j] * worth if (size > 0 and d_ij <= 0) else 0.0
                    res = res - pc[rc, C_RESW, i] * left
                if has_grv:
                    res = res - pc[rc, C_GW, i] * griev
                if eased:  # easing export controls
                    c_face = 0.0
                    c_res = 0.0
                    c_elim = 0.0
                    for j in range(k):
                        cij = mats[M_CTL, i, j]
                        eased_ij = max(mats[M_PCTL, i, j] - cij, 0.0)
                        both = (mats[M_TAU, j, i] - mats[M_T0, j, i]) < 0 or mats[M_PMOV, j, i] < 0
                        c_face += eased_ij * ((1.0 - fmr) if both else 1.0)
                        c_res += eased_ij * (0.0 if both else 1.0)
                        c_elim += 1.0 if (mats[M_PCTL, i, j] > 0 and cij <= 0) else 0.0
                    face = face - (pc[rc, C_FW, i] * c_face + pc[rc, C_FZC, i] * c_elim)
                    res = res - pc[rc, C_RESW, i] * c_res
                ref = ps[rs, S_REF]
                short = 0.0
                for j in range(k):
                    gap = max(min(mats[M_TAU, j, i], ref) - min(mats[M_TAU, i, j], ref), 0.0)
                    short += gap * active[i, j] / ref
                recip = -pc[rc, C_RECW, i] * short
                total = 0.0
                total += weights[0, i] * pain
                total += weights[1, i] * rev
                total += weights[2, i] * ret
                total += weights[3, i] * dep_i
                total += weights[4, i] * rec
                total += weights[5, i] * mkt
                total += weights[6, i] * pol
                total += weights[7, i] * ally
                total += weights[8, i] * coal
                total += weights[9, i] * face
                total += weights[10, i] * res
                total += weights[11, i] * recip
                out[r, q, i] = total
                if full:
                    outs[0, r, q, i] = pain
                    outs[1, r, q, i] = rev
                    outs[2, r, q, i] = ret
                    outs[3, r, q, i] = dep_i
                    outs[4, r, q, i] = rec
                    outs[5, r, q, i] = mkt
                    outs[6, r, q, i] = pol
                    outs[7, r, q, i] = ally
                    outs[8, r, q, i] = coal
                    outs[9, r, q, i] = face
                    outs[10, r, q, i] = res
                    outs[11, r, q, i] = recip
                    outs[O_BURDEN, r, q, i] = ahead
                    outs[O_RECESSION, r, q, i] = prec
                    outs[O_DRAWDOWN, r, q, i] = dd
                    outs[O_APPROVAL, r, q, i] = appr
                    outs[O_EQUITY, r, q, i] = eq
                    outs[O_BOND, r, q, i] = bond
                    outs[O_MARKET, r, q, i] = b_mkt
                    outs[O_PRICED, r, q, i] = priced


def _logaddexp0(y: float) -> float:
    """``numpy.logaddexp(0.0, y)``, as numpy computes it."""
    if y == 0.0:
        return _LN2
    tmp = 0.0 - y
    if tmp > 0:
        return math.log1p(math.exp(-tmp))
    return y + math.log1p(math.exp(tmp))


def _candidate_hash(tariff: Any, cctl: Any, r: int, q: int, qc: int) -> float:
    """A summary of candidate ``q`` of run ``r``: equal for equal candidates."""
    k = tariff.shape[2]
    h = 0.0
    for i in range(k):
        for j in range(k):
            h += tariff[r, q, i, j] * (1.0 + i * k + j) + cctl[r, qc, i, j] * (i - j)
    return h


def _same_float(a: float, b: float) -> bool:
    """``a`` and ``b`` are the same number (zeros of the same sign)."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))


def _same_candidate(
    tariff: Any, cctl: Any, layers: Any, has_layers: bool, peak: Any, r: int, q: int, q2: int
) -> bool:
    """Whether candidates ``q`` and ``q2`` of run ``r`` are the same state: tariffs, controls,
    layers (when read) and peaks."""
    k = tariff.shape[2]
    qc, qc2 = min(q, cctl.shape[1] - 1), min(q2, cctl.shape[1] - 1)
    qk, qk2 = min(q, peak.shape[1] - 1), min(q2, peak.shape[1] - 1)
    for i in range(k):
        for j in range(k):
            if not _same_float(tariff[r, q, i, j], tariff[r, q2, i, j]):
                return False
            if not _same_float(cctl[r, qc, i, j], cctl[r, qc2, i, j]):
                return False
            if not _same_float(peak[r, qk, i, j], peak[r, qk2, i, j]):
                return False
    if has_layers:
        ql, ql2 = min(q, layers.shape[1] - 1), min(q2, layers.shape[1] - 1)
        for m in range(layers.shape[2]):
            for i in range(k):
                for j in range(k):
                    if not _same_float(layers[r, ql, m, i, j], layers[r, ql2, m, i, j]):
                        return False
    return True


def _bite(flow: float, m0: float) -> float:
    """``payoffs.trade_bite`` of one dyad."""
    return 1.0 - (flow / m0 if m0 > 0 else 1.0)


def _dep(ctl: Any, c: int, pdx: Any, prow: int, i: int, k: int) -> float:
    """The ``dependence`` term of country ``i`` under controls ``ctl[c]`` (``dependence_loss``)."""
    s = 0.0
    for j in range(k):
        s += ctl[c, j, i] * pdx[prow, D_CE, i, j]
    return -s


def _rates_of(
    src: Any, c: int, base: Any, plan_ij: Any, plan_tops: Any, plan_nl: Any, plan_seg: Any,
    plan_segn: Any, takes: Any, out: Any,
) -> None:  # fmt: skip
    """Segment rates ``out`` ``(K, k, k)`` of headlines ``src[c]`` (``payoffs._segment_rater``)."""
    K, k = out.shape[0], out.shape[1]
    if K == 1:  # one segment: every layer hits it, its rate is the headline
        for i in range(k):
            for j in range(k):
                out[0, i, j] = src[c, i, j]
        return
    for kk in range(K):
        for i in range(k):
            for j in range(k):
                out[kk, i, j] = base[kk, i, j] * src[c, i, j]
    for d in range(plan_ij.shape[0]):
        i, j = plan_ij[d, 0], plan_ij[d, 1]
        rest = src[c, i, j]
        nl = plan_nl[d]
        for m in range(nl):
            if m == nl - 1:
                take = rest
            else:
                top = plan_tops[d, m]
                take = rest if rest <= top else top
            takes[m] = take
            rest = rest - take
        for kk in range(K):
            cnt = plan_segn[d, kk]
            if cnt == 0:
                out[kk, i, j] = 0.0
                continue
            acc = takes[plan_seg[d, kk, 0]]
            for t in range(1, cnt):
                acc = acc + takes[plan_seg[d, kk, t]]
            out[kk, i, j] = acc


def _layer_rates(layers: Any, r: int, q: int, mask: Any, out: Any) -> None:
    """Segment rates ``out`` ``(K, k, k)`` of layers ``layers[r, q]`` (``segment_rates``)."""
    K, L, k = mask.shape[0], mask.shape[1], out.shape[1]
    for kk in range(K):
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(L):
                    acc += mask[kk, m, i, j] * layers[r, q, m, i, j]
                out[kk, i, j] = acc


def _trade(
    rates: Any, m0_seg: Any, gdp: Any, pdx: Any, prow: int, mats: Any, el: int, margin: float,
    pcx: Any, crow: int, terms: bool, vecs: Any, to: int, flows: int, lost: int, me: int,
) -> None:  # fmt: skip
    """Trade terms ``vecs[to:to + 3]`` (pain, revenue, retaliation) and imports ``mats[flows]``.

    ``payoffs._trade_terms`` entry by entry, with the pass-through and the
    sector multiplier of ``pdx[prow]``, the elasticity ``mats[el]`` and the
    revenue weight of ``pcx[crow]``: per segment, each importer's sums over
    its partners left to right, turned into % of GDP, added over the
    segments in order (from 0.0); dyads without baseline trade in a segment
    add exact zeros and are skipped. ``terms=False``: the imports only.
    ``me >= 0``: only the dyads of country ``me`` (its row and column), so
    that only ``me``'s terms and the flows on its dyads are right.
    """
    K, k = m0_seg.shape[0], m0_seg.shape[1]
    for i in range(k):
        vecs[to, i] = 0.0
        vecs[to + 1, i] = 0.0
        vecs[to + 2, i] = 0.0
        for j in range(k):
            mats[flows, i, j] = 0.0
    for kk in range(K):
        for j in range(k):
            vecs[lost, j] = 0.0
        for i in range(k):
            s_pain = 0.0
            s_rev = 0.0
            for j in range(k):
                m0 = m0_seg[kk, i, j]
                if m0 == 0.0 or (me >= 0 and i != me and j != me):
                    continue
                t = rates[kk, i, j]
                if t == 0.0:  # the baseline's imports; every term adds an exact zero
                    mats[flows, i, j] += m0
                    continue
                p = pdx[prow, D_PT, i, j]
                s = mats[el, i, j]
                pt1 = 1.0 + p * t
                log1 = math.log(pt1)
                fac = math.exp(-s * log1)  # (1 + p t) ** -s
                m = m0 * fac
                mats[flows, i, j] += m
                if not terms:
                    continue
                if abs(s - 1.0) < 1e-12:
                    area = m0 * log1
                else:
                    area = m0 / (s - 1.0) * (1.0 - pt1 * fac)
                s_pain += pdx[prow, D_DEP, i, j] * area
                s_rev += t * m
                absorbed = (1.0 - p) * t
                if absorbed > margin:
                    absorbed = margin
                vecs[lost, j] += absorbed * m + margin * (m0 - m)
            if terms:
                vecs[to, i] += -(s_pain / (10.0 * gdp[i]))
                vecs[to + 1, i] += pcx[crow, C_RW, i] * (s_rev / (10.0 * gdp[i]))
        if terms:
            for j in range(k):
                vecs[to + 2, j] += -(vecs[lost, j] / (10.0 * gdp[j]))


if AVAILABLE:  # pragma: no branch - which branch runs depends on the installation
    from numba import njit as _njit

    # the helpers, inlined where called: a call with array arguments touches their
    # reference counts (atomic operations took half the time of a first version)
    _inline: Any = _njit(cache=True, nogil=True, inline="always", error_model="numpy")
    _logaddexp0, _bite, _dep = _inline(_logaddexp0), _inline(_bite), _inline(_dep)
    _candidate_hash, _same_float = _inline(_candidate_hash), _inline(_same_float)
    _same_candidate = _inline(_same_candidate)
    _rates_of, _layer_rates, _trade = _inline(_rates_of), _inline(_layer_rates), _inline(_trade)


def _signature() -> tuple[Any, ...]:
    """The kernel's one signature: read-only C-contiguous inputs, a writable output."""
    from numba import types

    def f(nd: int) -> Any:
        return types.Array(types.float64, nd, "C", readonly=True)

    def i(nd: int) -> Any:
        return types.Array(types.int64, nd, "C", readonly=True)

    b = types.boolean
    return (
        f(4), f(4), f(5), b,
        f(4), f(4), f(4), f(4), b,
        f(3), f(3), b, f(3), f(3),
        f(2), f(2), f(2), f(2), f(2), b, f(2), b,
        f(2), f(3), f(2), f(1), f(4), f(3),
        i(2), f(2), i(1), i(3), i(2),
        f(2), f(2),
        f(4), f(3), f(2), f(4), f(3), f(2), b, types.int64,
        b, types.Array(types.float64, 3, "C"), types.Array(types.float64, 4, "C"),
        types.int64, types.int64,
    )  # fmt: skip


_KERNEL = OneSignature(_kernel, _signature, vectorize=False, error_model="numpy")
"""The compiled kernel (compiled, or loaded from numba's cache, on first use)."""


# ---------------------------------------------------------------------------
# The Python side: constants of a view, packed parameters, rows.
# ---------------------------------------------------------------------------
_VIEWS: dict[int, tuple[Any, tuple[Any, ...]]] = {}
"""Per view (a weak reference to it): the world's arrays the kernel reads."""


def _view_arrays(
    view: _WorldView, world: World | None = None, idx: NDArray[np.intp] | None = None
) -> tuple[Any, ...] | None:
    """``m0, m0_seg, m0_rest, gdp, seg_mask, base`` and the layer plan of ``view``.

    The plan is that of ``payoffs._segment_rater`` for countries ``idx`` of
    ``world`` (the one the view's ``rates`` holds when ``world`` is not given):
    per dyad with instruments, its position, its layers' tops (in escalation
    order) and, per segment, the layers that hit it (in layer order). None
    when the view has several segments and no plan is known.
    """
    hit = _VIEWS.get(id(view))
    if hit is not None and hit[0]() is view:
        return hit[1]
    mask = np.ascontiguousarray(view.seg_mask, dtype=np.float64)
    n_seg = mask.shape[0]
    if world is not None and idx is not None:
        plan = _segment_plan(world, idx, mask)
    elif isinstance(view.rates, _SegmentRater):
        plan = view.rates.plan
    elif n_seg == 1:  # one segment: its rate is the headline, no plan read
        plan = []
    else:
        return None
    width = max([len(p[2]) for p in plan], default=1)
    ij = np.zeros((len(plan), 2), dtype=np.int64)
    tops = np.zeros((len(plan), width))
    nl = np.zeros(len(plan), dtype=np.int64)
    seg_of = np.zeros((len(plan), n_seg, width), dtype=np.int64)
    segn = np.zeros((len(plan), n_seg), dtype=np.int64)
    for d, (i, j, tp, seg) in enumerate(plan):
        ij[d] = i, j
        tops[d, : len(tp)] = tp
        nl[d] = len(tp)
        for kk, ms in enumerate(seg):
            segn[d, kk] = len(ms)
            seg_of[d, kk, : len(ms)] = ms
    arrays = (
        np.ascontiguousarray(view.imports, dtype=np.float64),
        np.ascontiguousarray(view.m0_seg, dtype=np.float64),
        np.ascontiguousarray(view.m0_rest, dtype=np.float64),
        np.ascontiguousarray(view.gdp, dtype=np.float64),
        mask,
        np.ascontiguousarray(mask[:, 0]),
        ij, tops, nl, seg_of, segn,
    )  # fmt: skip
    if len(_VIEWS) > 32:
        _VIEWS.clear()
    _VIEWS[id(view)] = (weakref.ref(view), arrays)
    return arrays


_Packed = tuple[Array, Array, Array, bool]
_FIELDS = (*_DYAD, *_COUNTRY, *_SCALAR, "market_speed")
_GET_FIELDS = operator.attrgetter(*_FIELDS)
_T = TypeVar("_T", bound=tuple[Any, ...])
_PACKS: OrderedDict[tuple[Any, ...], tuple[list[Any], Any]] = OrderedDict()
"""Packings (whole, and per group of fields: :func:`_pack`) keyed by the identities of the
fields packed — the fields every run shares (None in place of a per-run field), or all of
them — with weak references to those fields (a key
whose arrays have gone may have its ids taken again: it is not a hit); the least recently
used are forgotten first."""
_PACK_BUDGET = 64 * 2**20
"""Bytes of packings kept at most (then all are forgotten and packed again as needed)."""
_PACK_BYTES = [0]
_DISTINCT: dict[int, tuple[Any, bool]] = {}
"""Per per-run field array (weakly): whether its runs differ pairwise."""


_PACKS_LOCK = threading.Lock()
"""Guards :data:`_PACKS` and :data:`_PACK_BYTES` (batches may be played on several threads)."""


def _nbytes(packed: tuple[Any, ...]) -> int:
    return sum(a.nbytes for a in packed if isinstance(a, np.ndarray))


def _recall(key: tuple[Any, ...], fields: tuple[Any, ...]) -> Any:
    """The packing kept under ``key`` if every field it was made from is still the same."""
    with _PACKS_LOCK:
        hit = _PACKS.get(key)
        if hit is None:
            return None
        held = [v for v, i in zip(fields, key, strict=False) if i is not None]
        if len(held) != len(hit[0]) or any(r() is not v for r, v in zip(hit[0], held, strict=True)):
            return None
        _PACKS.move_to_end(key)  # the least recently used are forgotten first
        return hit[1]


def _keep(key: tuple[Any, ...], fields: tuple[Any, ...], packed: _T) -> _T:
    size = _nbytes(packed)
    held = [v for v, i in zip(fields, key, strict=False) if i is not None]
    with _PACKS_LOCK:
        while _PACKS and (len(_PACKS) >= 64 or _PACK_BYTES[0] + size > _PACK_BUDGET):
            _PACK_BYTES[0] -= _nbytes(_PACKS.popitem(last=False)[1][1])
        gone = _PACKS.pop(key, None)  # another thread may have packed the same meanwhile
        if gone is not None:
            _PACK_BYTES[0] -= _nbytes(gone[1])
        _PACKS[key] = ([weakref.ref(v) for v in held], packed)
        _PACK_BYTES[0] += size
    return packed


def _pack(p: Params, days: float) -> _Packed | None:
    """``p``'s fields as ``(R', 3, k, k)``, ``(R', 21, k)`` and ``(R', 11)`` arrays, and a flag.

    Each array packs one group of fields (per dyad, per country, scalars);
    its ``R'`` is 1 when every field of the group is shared by the runs, else
    the runs' number (the kernel reads row 0 of an array with one row). The
    last scalar is the market's speed for a round of ``days``
    (:func:`~tariffsim.dynamics.per_time`, as the block computes it). The
    flag says whether some per-run field differs in every run (judged on the
    first runs: then no two runs are likely equal and none is worth looking
    for a twin; it never changes a number). None when a field is not in the
    engine's batched layout (per dyad ``(R', 1, k, k)``, per country
    ``(R', 1, k)``, scalars ``(R', 1, 1[, 1])``, each ``R'`` 1 or the same
    number). Packings are kept by the identities of the fields packed, per
    group: the same arrays serve every round, and an agent whose beliefs
    move (one field) repacks that field's group only; a sub-batch of runs
    takes its rows of its batch's packing (the same numbers), and a group
    every run shares serves every sub-batch as it is.
    """
    fields = _GET_FIELDS(p)
    whole = (*map(id, fields), days)
    hit = _recall(whole, fields)
    if hit is not None:  # (its fields passed the tests below when it was packed)
        return hit
    if not all(isinstance(v, np.ndarray) and v.ndim >= 3 for v in fields):
        return None
    runs = [v.shape[0] for v in fields]
    rr = max(runs)
    if any(x not in (1, rr) for x in runs):
        return None
    src = taken_from(p)
    top = None if src is None else _pack(src[0], days)
    parts: list[Array] = []
    distinct = False
    for g, (lo, hi) in enumerate(_GROUPS):
        got = _pack_group(g, fields[lo:hi], days, top, None if src is None else src[1])
        if got is None:
            return None
        parts.append(got[0])
        distinct = distinct or got[1]
    return _keep(whole, fields, (parts[0], parts[1], parts[2], distinct))


_GROUPS = (
    (0, len(_DYAD)),
    (len(_DYAD), len(_DYAD) + len(_COUNTRY)),
    (len(_DYAD) + len(_COUNTRY), len(_FIELDS)),
)
"""Positions in :data:`_FIELDS` of the fields packed into one array each: per dyad, per
country, scalars (and the market's speed)."""


def _pack_group(
    g: int,
    fields: tuple[Any, ...],
    days: float,
    top: _Packed | None,
    rows: NDArray[np.intp] | None,
) -> tuple[Array, bool] | None:
    """Group ``g`` of :data:`_GROUPS` packed (see :func:`_pack`), and its flag; None when a
    field is not in the layout. ``top``: the packing of the batch these fields are ``rows``
    of (None: not a sub-batch)."""
    # the group and a field's shape per run (a packing of fields all per-run, kept under
    # no field's identity, must not serve another game's countries), and the round's days
    tag = (g, fields[0].shape[1:], days) if g == 2 else (g, fields[0].shape[1:])
    key = (*map(id, fields), *tag)
    hit = _recall(key, fields)
    if hit is not None:
        return hit[0], bool(hit[1])
    if top is not None and rows is not None:  # a sub-batch: its rows of the batch's packing
        whole: Array = top[:3][g]
        return _keep(key, fields, (whole if whole.shape[0] == 1 else whole[rows], top[3]))
    runs = [v.shape[0] for v in fields]
    rr = max(runs)
    skey = (*(id(v) if n == 1 else None for v, n in zip(fields, runs, strict=True)), *tag)
    shared = _recall(skey, fields)
    if shared is None:
        one = _pack_fields(g, [v[:1] for v in fields], days)
        if one is None:
            return None
        shared = _keep(skey, fields, (one, False))
    if rr == 1:
        return shared[0], False
    out = np.repeat(shared[0], rr, axis=0)
    distinct = False
    for f, v in enumerate(fields):
        if v.shape[0] == 1:
            continue
        if v.size != rr * out[0, 0].size:
            return None
        if g == 0:
            out[:, f] = v.reshape(out[:, f].shape)
        elif g == 1:
            out[:, f] = v.reshape(rr, -1)
        elif f < len(fields) - 1:
            out[:, f] = v.reshape(-1)
        else:
            out[:, S_SPEED] = np.reshape(per_time(v, days), -1)
        distinct = distinct or _pairwise_distinct(v)
    return _keep(key, fields, (out, distinct))


_PROBE = 64


def _pairwise_distinct(v: Array) -> bool:
    """Whether the runs (leading axis) of ``v`` differ pairwise (kept per array).

    Judged on the first ``_PROBE`` runs: the answer only decides whether to
    look for runs equal to others, which never changes a number.
    """
    hit = _DISTINCT.get(id(v))
    if hit is not None and hit[0]() is v:
        return bool(hit[1])
    probe = v[:_PROBE]  # a long batch whose first runs all differ is taken as all distinct
    flat = np.ascontiguousarray(probe).reshape(len(probe), -1).view(np.uint64)
    out = len(np.unique(_hash(flat))) == len(probe)
    if len(_DISTINCT) >= 256:
        _DISTINCT.clear()
    _DISTINCT[id(v)] = (weakref.ref(v), out)
    return out


def _pack_fields(g: int, fields: list[Any], days: float) -> Array | None:
    """The one-run packing (read-only) of group ``g``'s ``fields`` (each with a leading axis
    of 1); see :func:`_pack`."""
    k = fields[0].shape[-1]
    if g == 0:
        if any(v.shape[1:] != (1, k, k) for v in fields):
            return None
        out = np.empty((1, len(_DYAD), k, k))
        for f, v in enumerate(fields):
            out[:, f] = v[:, 0]
    elif g == 1:
        if any(v.shape[1:] != (1, k) for v in fields):
            return None
        out = np.empty((1, len(_COUNTRY), k))
        for f, v in enumerate(fields):
            out[:, f] = v[:, 0]
    else:
        if any(v.size != 1 for v in fields):
            return None
        out = np.empty((1, len(_SCALAR) + 1))
        for f, v in enumerate(fields[:-1]):
            out[:, f] = v.reshape(-1)
        out[:, S_SPEED] = np.reshape(per_time(fields[-1], days), -1)
    out.flags.writeable = False
    return out


def totals(
    view: _WorldView,
    world: World,
    idx: NDArray[np.intp],
    params: Params,
    market: Params | None,
    weights: Array,
    active: Array,
    st: Any,
    tariff: Array,
    control: Array | None,
    layers: Array | None,
    slow: dict[str, Any],
    me: int | None = None,
    *,
    memo: bool = True,
) -> Array | None:
    """Total payoff of every country for candidate next states, shape ``(R, P, k)``.

    The ``total`` of :func:`tariffsim.payoffs._evaluate_block` for the
    arguments the engine passes it (``_Run.evaluate``): candidates
    ``tariff`` (R, P, k, k) reached from the states ``st`` (the engine's
    ``_States``: tariffs, controls, peaks, moves, support, shocks, adjustment,
    grievances, equity, bond stress, the value the market priced), with
    ``control`` (R, P, k, k) candidate controls (None: the current ones),
    ``layers`` (R, P, L, k, k) candidate layers (None: split from the
    headlines) and ``slow`` the slow state (``tie_held``, ``grievance``,
    ``ties``, as ``_Run._slow``). ``market``: the market's Params when they
    differ from ``params``. ``me``: the position of the one country whose
    totals are wanted (then the shape is ``(R, P)``). Returns None when an
    argument is outside the engine's layout (the caller then takes the numpy
    block).

    Runs whose inputs are equal bit for bit are computed once (as
    :func:`tariffsim._distinct.evaluate_distinct` does; ``memo=False``:
    every run); that changes which rows are computed, never a row's numbers.
    """
    pk = _pack(params, view.days)
    mk = pk if market is None else _pack(market, view.days)
    if pk is None or mk is None:
        return None
    R, k = tariff.shape[0], tariff.shape[-1]
    eff, two = slow["ties"]
    held = slow["tie_held"]
    grv = slow["grievance"]
    if eff.shape != (R, 1, k, k) or held.shape != (R, 1, k) or grv.shape != (R, 1, k, k):
        return None
    cctl = st.control[:, None] if control is None else control
    state = {
        "tariff": tariff, "cctl": cctl, "layers": layers, "t0": st.tariff[:, None],
        "peak0": st.peak[:, None], "pmov": st.moved[:, None], "pctl": st.control[:, None],
        "adj": st.adjust, "grv": grv[:, 0],
        "weff": eff[:, 0], "wtwo": two[:, 0], "sup": st.support, "shk": st.shock,
        "peq": st.equity, "pbd": st.bond, "pmv": st.market_value, "held": held[:, 0],
    }  # fmt: skip
    packs = [*pk[:3], *mk[:3]]
    cls = None if pk[3] or mk[3] or not memo else _classes(state, packs, R)
    if cls is not None:
        first = cls[0]
        state = {n: None if a is None else a[first] for n, a in state.items()}
        packs = [a[first] if a.shape[0] > 1 else a for a in packs]
    out = _run(view, world, idx, weights, active, state, packs, market is not None, me)
    if me is not None:
        out = out[..., me]
    return out if cls is None else out[cls[1]]


def _classes(
    state: dict[str, Any], packs: list[Array], rows: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """Representatives and classes of the runs equal in every input, or None (all computed)."""
    arrays: list[Any] = []
    for a in state.values():
        if a is not None:
            arrays.append(a if a.ndim >= 3 else a[:, None])
    for a in packs:
        if a.shape[0] > 1:
            arrays.append(a if a.ndim >= 3 else a[:, None])
    return distinct_rows(arrays, rows)


def _f(a: Any) -> Array:
    return np.ascontiguousarray(a, dtype=np.float64)


def _run(
    view: _WorldView,
    world: World,
    idx: NDArray[np.intp],
    weights: Array,
    active: Array,
    s: dict[str, Any],
    packs: list[Array],
    has_market: bool,
    me: int | None,
) -> Array:
    arrays = _view_arrays(view, world, idx)
    assert arrays is not None  # a plan is made from the world
    m0, m0_seg, m0_rest, gdp, mask, base, ij, tops, nl, seg_of, segn = arrays
    tariff = _f(s["tariff"])
    R, P, k = tariff.shape[0], tariff.shape[1], tariff.shape[-1]
    lay = s["layers"]
    has_layers = lay is not None
    lay = _f(lay) if has_layers else np.zeros((1, 1, 1, k, k))
    pmv = s["pmv"]
    has_pmv = pmv is not None
    pmv = _f(pmv) if has_pmv else np.zeros((1, k))
    out = np.empty((R, P, k))
    _call(
        tariff, _f(s["cctl"]), lay, has_layers, _f(s["t0"]), _f(s["pmov"]), _f(s["pctl"]),
        _f(s["peak0"]), True, _f(s["adj"]), _f(s["grv"]), True, _rows(s["weff"]),
        _rows(s["wtwo"]), _f(s["sup"]), _f(s["shk"]), _f(s["peq"]), _f(s["pbd"]), pmv,
        has_pmv,
        _f(s["held"]), True, m0, m0_seg, m0_rest, gdp, mask, base, ij, tops, nl, seg_of, segn,
        _f(weights), _f(active), *packs, has_market, -1 if me is None else me,
        False, out, _NO_OUTS,
    )  # fmt: skip
    return out


def _rows(a: Any) -> Array:
    """``a`` (runs first) as a C-contiguous array; one row when every run's is the same
    array (a broadcast: the kernel reads row 0 of an array with one row)."""
    if a.ndim and a.shape[0] > 1 and a.strides[0] == 0:
        a = a[:1]
    return _f(a)


def _call(*args: Any) -> None:
    """The kernel on ``args``, its runs split across threads (:mod:`tariffsim.threads`)."""
    kernel = _KERNEL.get()
    R, P = args[0].shape[0], args[0].shape[1]
    threads.for_rows(lambda a, b: kernel(*args, a, b), R, P)


_NO_OUTS = np.zeros((1, 1, 1, 1))
"""The ``outs`` of a totals-only call (not written)."""


# ---------------------------------------------------------------------------
# The full breakdown: every term and indicator of the block, from the same kernel.
# ---------------------------------------------------------------------------
def _by_profile(a: Any, R: int, P: int, tail: tuple[int, ...], *, shared: bool) -> Array | None:
    """``a`` ``(R or 1, P or 1, *tail)`` as a C-contiguous ``(R, P', *tail)`` array.

    ``P'`` is 1 when ``a`` is shared by the profiles (length 1 or stride 0
    along the profile axis), else ``P``; ``shared=True`` asks for ``P' = 1``
    (the profile axis dropped: ``(R, *tail)``), and takes an array whose
    profiles are equal bit for bit as shared (a broadcast the memo of equal
    runs has copied). None when ``a`` has another layout.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 + len(tail) or a.shape[2:] != tail or a.shape[0] not in (1, R):
        return None
    if a.shape[1] > 1 and a.strides[1] == 0:
        a = a[:, :1]
    if shared and a.shape[1] > 1:
        u = a.view(np.uint64)
        if bool((u == u[:, :1]).all()):
            a = a[:, :1]
    if a.shape[1] not in (1, P) or (shared and a.shape[1] != 1):
        return None
    if a.shape[0] != R:
        a = np.broadcast_to(a, (R, *a.shape[1:]))
    return _f(a[:, 0] if shared else a)


def breakdown(
    view: _WorldView,
    p: Params,
    weights: Array,
    active: Array,
    nxt: Any,
    prev_tau: Array,
    prev_moved: Array,
    prev_control: Array | None = None,
    tie_held: Array | None = None,
    grievance: Array | None = None,
    ties: tuple[Array, Array] | None = None,
    prev_equity: Array | None = None,
    prev_bond: Array | None = None,
    market: Params | None = None,
    prev_market_value: Array | None = None,
    me: int | None = None,
) -> Breakdown | Array | None:
    """:func:`tariffsim.payoffs._evaluate_block` computed by the compiled kernel.

    The same arguments (``nxt`` a :class:`~tariffsim.world.StateBatch` of
    candidates ``(R, P, k, k)``) and the same :class:`~tariffsim.payoffs.Breakdown`:
    every term, the total, the burden once trade has adjusted, recession
    odds, drawdown, approval, the equity index, bond stress, the burden the
    market priced and its value, each ``(R, P, k)``, to a few units in the last place
    of the block's (see the module notes). ``imports`` and ``effective`` are
    computed on first access by the block's own numpy code. Each run is
    computed on its own, so a run's numbers never depend on its batch.

    ``me`` (a country's position): only that country's totals are computed
    and returned, ``(R, P)``, the bits of the breakdown's ``total[..., me]``
    (one kernel: the decisions' totals, whose one country's are its column of
    all), without the terms and indicators the breakdown writes.

    Returns None for arguments outside the engine's layout (the caller takes
    the numpy block): parameters without the leading run axes, state arrays
    without the runs and profiles axes (``(R, P or 1, ...)``), slow state,
    adjustment, support, shock or market state differing by profile, or a
    view of several segments without its layer plan.
    """
    tau = np.asarray(nxt.tariff)
    if tau.ndim != 4:
        return None
    R, P, k = tau.shape[0], tau.shape[1], tau.shape[-1]
    arrays = _view_arrays(view)
    pk = _pack(p, view.days)
    mk = pk if market is None else _pack(market, view.days)
    if arrays is None or pk is None or mk is None or weights.shape != (12, k):
        return None
    m0, m0_seg, m0_rest, gdp, mask, base, ij, tops, nl, seg_of, segn = arrays
    kk2 = (k, k)
    lay = nxt.layers
    has_layers = bool(lay.shape[-3])
    zeros = np.zeros((R, 1, k))
    got = {
        "cctl": _by_profile(nxt.control, R, P, kk2, shared=False),
        "layers": (
            _by_profile(lay, R, P, lay.shape[2:], shared=False)
            if has_layers and lay.shape[-3] == mask.shape[1]
            else None
        ),
        "t0": _by_profile(prev_tau, R, P, kk2, shared=False),
        "pmov": _by_profile(prev_moved, R, P, kk2, shared=False),
        "pctl": _by_profile(
            nxt.control if prev_control is None else prev_control, R, P, kk2, shared=False
        ),
        "peak": _by_profile(nxt.peak, R, P, kk2, shared=False),
        "adj": _by_profile(nxt.adjust, R, P, kk2, shared=True),
        "grv": _by_profile(
            np.zeros((R, 1, k, k)) if grievance is None else grievance, R, P, kk2, shared=True
        ),
        "sup": _by_profile(nxt.support, R, P, (k,), shared=True),
        "shk": _by_profile(nxt.shock, R, P, (k,), shared=True),
        "peq": _by_profile(zeros if prev_equity is None else prev_equity, R, P, (k,), shared=True),
        "pbd": _by_profile(zeros if prev_bond is None else prev_bond, R, P, (k,), shared=True),
        "pmv": _by_profile(
            zeros if prev_market_value is None else prev_market_value, R, P, (k,), shared=True
        ),
        "held": _by_profile(zeros if tie_held is None else tie_held, R, P, (k,), shared=True),
    }
    if ties is None:
        got["weff"], got["wtwo"] = _f(view.ties[None]), _f(view.two_step[None])
    else:
        got["weff"] = _by_profile(ties[0], R, P, kk2, shared=True)
        got["wtwo"] = _by_profile(ties[1], R, P, kk2, shared=True)
    if has_layers and got["layers"] is None:
        return None
    if got["layers"] is None:
        got["layers"] = np.zeros((1, 1, 1, k, k))
    if any(v is None for v in got.values()):
        return None
    g: dict[str, Array] = got  # type: ignore[assignment]
    one = me is not None
    out = np.empty((R, P, k))
    outs = _NO_OUTS if one else np.empty((N_OUT, R, P, k))
    _call(
        _f(tau), g["cctl"], g["layers"], has_layers, g["t0"], g["pmov"], g["pctl"], g["peak"],
        False, g["adj"], g["grv"], grievance is not None, g["weff"], g["wtwo"], g["sup"],
        g["shk"], g["peq"], g["pbd"], g["pmv"], prev_market_value is not None,
        g["held"],
        tie_held is not None, m0, m0_seg, m0_rest, gdp, mask, base, ij, tops, nl, seg_of, segn,
        _f(weights), _f(np.broadcast_to(active, kk2)), *pk[:3], *mk[:3], market is not None,
        -1 if me is None else int(me), not one, out, outs,
    )  # fmt: skip
    if me is not None:
        return np.ascontiguousarray(out[..., me])

    def imports() -> Array:  # the block's own code, on first access
        r = _candidate_rates(view, nxt)
        pt, el = _trade_inputs(p, nxt, batched=ties is not None)
        return view.m0_rest + _trade_terms(p, r, view.m0_seg, view.gdp, pt, el)[3]

    def effective() -> Array:
        return (view.seg_share * _candidate_rates(view, nxt)).sum(axis=-3)

    return Breakdown(
        terms=dict(zip(TERMS, outs[:12], strict=True)),
        weights=weights,
        total=out,
        burden=outs[O_BURDEN],
        recession=outs[O_RECESSION],
        drawdown=outs[O_DRAWDOWN],
        approval=outs[O_APPROVAL],
        imports_fn=imports,
        effective_fn=effective,
        equity=outs[O_EQUITY],
        bond=outs[O_BOND],
        market_burden=outs[O_MARKET],
        market_value=outs[O_PRICED],
    )
