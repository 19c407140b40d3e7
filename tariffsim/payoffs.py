r"""The payoff model: pure, vectorised terms and their weighted sum.

Payoffs are per round, in percent of the country's own GDP at an annual rate,
so that terms add up and countries of different size compare. Every term is a
small pure function of arrays with a leading batch axis ``B`` (many states at
once) and returns an array of shape ``(B, n)``: one value per state per
country, positive = good for the country. :class:`PayoffModel` sums the terms
with one weight per country per term and keeps the per-term breakdown.

Notation: ``M0[i, j]`` baseline imports of ``i`` from ``j`` (USD bn),
``t[i, j]`` the *effective* tariff ``i`` levies on ``j`` (headline times the
non-exempt share), ``p[i, j]`` the share of that tariff passed through to
``i``'s buyers, ``s`` the import-demand elasticity, ``Y[i]`` GDP (USD tn). A
USD bn flow is ``100 / (1000 Y)`` percent of GDP.

=================  ===========================================================
term               payoff to country ``i`` (% of GDP)
=================  ===========================================================
``tariff_pain``    :math:`-\sum_j d_{ij} \frac{M0_{ij}}{s-1}\left(1-(1+p_{ij}t_{ij})^{1-s}\right)`
                   — buyers' surplus lost on imports (the exact constant-elasticity
                   area; ``d`` is the sector multiplier for critical supply)
``revenue``        :math:`w^{rev}_i \sum_j t_{ij} M_{ij}`, with
                   :math:`M_{ij} = M0_{ij}(1+p_{ij}t_{ij})^{-s}` (trade response)
``retaliation``    :math:`-\sum_j \left[(1-p_{ji}) t_{ji} M_{ji} + m (M0_{ji}-M_{ji})\right]`
                   — the price ``i``'s exporters absorb plus a margin on lost volume
``dependence``     :math:`-\sum_j x_{ji} c_{ij}` — export controls ``x`` on critical
                   inputs times ``i``'s exposure ``c``
``recession``      :math:`-(P_i - P^0_i) L_i`, with
                   :math:`P_i = \mathrm{logistic}(\mathrm{logit}P^0_i + b\,B_i)` and burden
                   :math:`B_i` = minus the sum of the four economic terms above
                   once trade has adjusted (at the long-run elasticity)
``markets``        :math:`-w^{mkt}_i D_i`, drawdown
                   :math:`D_i = \max(\beta B_i - \kappa S_i, 0) - \text{shock}_i` (index %)
``approval``       :math:`w^{pol}_i (A_i - A^0_i)` in points, with
                   :math:`A_i = A^0_i - k^{p}_i \text{pain}_i - k^{m}_i D_i`
``alliance``       :math:`-w^{all}_i \sum_j \tau_{ij} \sum_{k\ne i,j} W_{ik} W_{kj}` —
                   escalating on ``j`` strains ``i``'s ties with ``j``'s friends
``coalition``      :math:`w^{coal}_i \sum_h \sum_{k} W_{ik} \min(r_{ih}, r_{kh})`, with
                   :math:`r_{ih} = \tau_{ih}[\tau_{hi}>0]` — standing with partners who
                   are also hit by ``h`` against it (divide and conquer removes it)
``face``           :math:`-w^{face}_i \sum_j \Delta^-_{ij}(1-\mu c_{ji}) - z_i
                   [\tau_{ij}=0<\text{peak}_{ij}, \Delta^-_{ij}>0]` — cutting costs
                   face, less when the partner cuts too (:math:`c_{ji}=1` if ``j``
                   cuts on ``i`` this round or did last round); eliminating costs more
``resolve``        :math:`-w^{res}_i \sum_j \left(\Delta^-_{ij}(1-c_{ji}) +
                   a_{ij}[\Delta^{\mathrm{prev}}_{ji}>0][\Delta_{ij}\le 0]
                   \min(\Delta^{\mathrm{prev}}_{ji}, \kappa G_{ij} s_{ij})\right)` — a
                   unilateral concession, or an escalation left unanswered on a
                   dyad where ``i`` can answer (:math:`a_{ij}=1`), valued by the
                   damage an equal answer would do (:math:`G`, a share of ``j``'s
                   exports) and the trade still at stake (:math:`s`): saturates
``reciprocity``    :math:`-w^{rec}_i \sum_j a_{ij} \left(\min(\tau_{ji}, \bar g) -
                   \min(\tau_{ij}, \bar g)\right)^+ / \bar g` — a standing cost while
                   ``i`` levies less on ``j`` than ``j`` levies on ``i``, counting the
                   first :math:`\bar g` (the partner's baseline) only: bounded by
                   :math:`w^{rec}_i` per partner, saturating above :math:`\bar g`
=================  ===========================================================

``τ`` is the headline tariff, ``Δ`` the change this round (``Δ⁻`` a cut,
``Δ⁺`` a rise), ``W`` the alliance ties. Export controls ``x`` count as
escalation too: ``alliance`` strains ties by ``τ + x``, and easing a control
costs face and resolve like a tariff cut, with the target's tariff cut (this
round or the last) as the reciprocity that waives resolve and halves face
(:func:`control_easing_cost`); lifting a control entirely costs ``z``. The
withholder also pays ``control_strain[i] * sum_j x[i, j]`` a round in the
``alliance`` term (controls on critical inputs strain every buyer's trust;
default 0). ``docs/model.md`` explains each term
and the claim behind every default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _trade_kernel
from ._util import (
    as_real,
    did_you_mean,
    finite_number,
    labels_of,
    real_array,
    replaced,
    short_repr,
)
from .claims import PAYOFF_TERM_NAMES, load_claims
from .dynamics import REFERENCE_DAYS, adjust_along, per_time, tie_held, ties_in_force
from .errors import ParameterError, UnknownNameError
from .schema import MAX_TARIFF
from .world import State, StateBatch, World, rows_text

__all__ = [
    "APRIL_DATES",
    "CALIBRATED_FIELDS",
    "DRAWDOWN_CAP",
    "ECONOMIC_TERMS",
    "PARAM_SOURCES",
    "TERMS",
    "Breakdown",
    "Params",
    "PayoffModel",
    "alliance_strain",
    "approval_rating",
    "april_2025_states",
    "coalition_gain",
    "control_easing_cost",
    "crash_cost",
    "dependence_loss",
    "effective_rate",
    "elasticity_in_force",
    "equity_index",
    "export_dependence",
    "face_cost",
    "logistic",
    "market_drawdown",
    "market_pass_through",
    "model_optimal_tariff",
    "optimal_tariff",
    "recession_odds",
    "reciprocity_shortfall",
    "resolve_cost",
    "retaliation_loss",
    "segment_rates",
    "supply_elasticity",
    "tariff_pain",
    "tariff_revenue",
    "trade_bite",
    "trade_response",
    "unanswered_harm",
]

TERMS = PAYOFF_TERM_NAMES
"""Names of the payoff terms, in the order of :attr:`PayoffModel.weights` rows."""
ECONOMIC_TERMS = ("tariff_pain", "revenue", "retaliation", "dependence")
"""The terms whose (negated) sum, at the long-run elasticity, is the economic *burden*
behind recession odds and markets."""

Array = NDArray[np.float64]


def _sum_last(x: NDArray[Any]) -> Array:
    """``x.sum(axis=-1)`` to the last bit, faster for a short last axis.

    NumPy sums fewer than 8 numbers left to right from 0.0; so does this,
    with one vectorised add per entry (a reduction over a short axis costs a
    call per row). Longer axes go to ``numpy.sum``.
    """
    n = x.shape[-1]
    if n == 0 or n >= 8:
        return np.asarray(x.sum(axis=-1), dtype=float)
    acc = 0.0 + x[..., 0]
    for i in range(1, n):
        acc += x[..., i]  # in place: the same sums, no new array per entry
    return acc


def _sum_rows(x: NDArray[Any]) -> Array:
    """``x.sum(axis=-2)`` to the last bit (see :func:`_sum_last`)."""
    n = x.shape[-2]
    if n == 0 or n >= 8:
        return np.asarray(x.sum(axis=-2), dtype=float)
    acc = 0.0 + x[..., 0, :]
    for i in range(1, n):
        acc += x[..., i, :]
    return acc


def _power(x: Array, e: float | Array) -> Array:
    """``x ** e``; an array exponent is first spread to the full shape.

    NumPy computes a power with an exponent that is constant along its inner
    loop (a scalar, or a broadcast per-row value) by special cases for
    values such as -1 or 2, and with an exponent that varies by the general
    ``pow``; the two can differ in the last bit. Spreading a per-run exponent
    makes every run take the general path whatever the batch, so a run's
    numbers never depend on the other runs.
    """
    if isinstance(e, np.ndarray):
        shape = np.broadcast_shapes(np.shape(x), e.shape)
        return np.power(x, np.broadcast_to(e, shape).copy())
    return x**e


def _pct(flow_bn: Array, gdp_tn: Array) -> Array:
    """USD bn flows per country ``(..., n)`` as percent of GDP (USD tn)."""
    return flow_bn / (10.0 * gdp_tn)


# ---------------------------------------------------------------------------
# The terms: pure functions of arrays with a leading batch axis.
# ---------------------------------------------------------------------------
def trade_response(m0: Array, t: Array, p: Array, s: float | Array) -> Array:
    """Imports after tariffs: ``M = M0 (1 + p t) ** -s``.

    Parameters
    ----------
    m0 : ndarray, shape (n, n)
        Baseline imports, USD bn.
    t : ndarray, shape (B, n, n)
        Effective tariffs.
    p : ndarray, shape (n, n)
        Pass-through to buyers' prices, in [0, 1].
    s : float or ndarray
        Import-demand elasticity, > 0 (or one per batch row, broadcasting like ``t``).

    Returns
    -------
    ndarray, shape (B, n, n)

    Examples
    --------
    >>> m = ts.payoffs.trade_response(np.array([[0, 100.0], [0, 0]]),
    ...                               np.array([[[0, 1.45], [0, 0]]]), np.ones((2, 2)), 2.5)
    >>> round(float(m[0, 0, 1]), 1)  # a 145% tariff removes ~89% of trade
    10.6
    """
    return m0 * _power(1.0 + p * t, -s)


def tariff_pain(m0: Array, t: Array, p: Array, s: float | Array, dep: Array, gdp: Array) -> Array:
    """Importers' lost buyer surplus, % of GDP (returned as a negative payoff).

    The area under the constant-elasticity import demand curve between the
    old and new buyers' price, ``M0 / (s - 1) * (1 - (1 + p t) ** (1 - s))``
    (``M0 log(1 + p t)`` when ``s == 1``), times the sector multiplier ``dep``.

    Returns
    -------
    ndarray, shape (B, n)
        ``<= 0``; zero at free trade.

    Examples
    --------
    >>> m0 = np.array([[0, 100.0], [0, 0]])
    >>> x = ts.payoffs.tariff_pain(m0, np.array([[[0, 0.1], [0, 0]]]), np.ones((2, 2)),
    ...                            2.5, np.ones((2, 2)), np.array([1.0, 1.0]))
    >>> round(float(-x[0, 0]), 3)  # 8.9 bn lost on 100 bn at 10%: 0.89% of a 1 tn GDP
    0.888
    """
    return _pain_of(m0, 1.0 + p * t, s, dep, gdp)


def _pain_of(m0: Array, pt1: Array, s: float | Array, dep: Array, gdp: Array) -> Array:
    """:func:`tariff_pain` from the buyers' price factor ``pt1 = 1 + p t``."""
    near_one = np.abs(np.asarray(s, dtype=float) - 1.0) < 1e-12
    if not near_one.any():
        area = m0 / (s - 1.0) * (1.0 - _power(pt1, 1.0 - s))
    elif near_one.all():
        area = m0 * np.log(pt1)
    else:  # per-run elasticities, some of them 1: each run takes its own branch
        with np.errstate(divide="ignore", invalid="ignore"):
            area = np.where(
                near_one, m0 * np.log(pt1), m0 / (s - 1.0) * (1.0 - _power(pt1, 1.0 - s))
            )
    return -_pct(_sum_last(dep * area), gdp)


def tariff_revenue(m: Array, t: Array, weight: Array, gdp: Array) -> Array:
    """Tariff revenue ``t M``, valued at ``weight`` per dollar, % of GDP (>= 0)."""
    return weight * _pct(_sum_last(t * m), gdp)


def retaliation_loss(m0: Array, m: Array, t: Array, p: Array, margin: float, gdp: Array) -> Array:
    """Exporters' loss from others' tariffs, % of GDP (negative payoff).

    For exporter ``i``: ``sum_j min((1 - p[j, i]) t[j, i], margin) M[j, i] +
    margin (M0[j, i] - M[j, i])``: the price it absorbs on the volume it keeps,
    but never more per unit than the margin it would lose by not selling, plus
    the margin on the volume it loses. The cap keeps the loss non-decreasing in
    the partner's tariff (at most ``margin * M0``).

    Examples
    --------
    >>> m0 = np.array([[0, 100.0], [0, 0]]); t = np.array([[[0, 1.0], [0, 0]]])
    >>> m = ts.payoffs.trade_response(m0, t, np.full((2, 2), 0.5), 2.5)
    >>> round(float(-ts.payoffs.retaliation_loss(m0, m, t, np.full((2, 2), 0.5), 0.25,
    ...                                           np.ones(2))[0, 1]), 3)
    2.5
    """
    absorbed = np.minimum((1.0 - p) * t, margin) * m
    lost = margin * (m0 - m)
    return -_pct(_sum_rows(absorbed + lost), gdp)


def dependence_loss(control: Array, exposure: Array) -> Array:
    """Loss from export controls on critical inputs, % of GDP (negative payoff).

    ``control[b, j, i]`` is the share ``j`` withholds from ``i``; ``exposure[i, j]``
    is ``i``'s loss (% GDP) if ``j`` withheld everything.
    """
    return -_sum_last(np.swapaxes(control, -1, -2) * exposure)


def segment_rates(layers: Array, mask: Array, headline: Array | None = None) -> Array:
    """Tariff rate on each product segment of each dyad, shape ``(B, K, n, n)``.

    ``layers`` is ``(B, L, n, n)`` and ``mask`` ``(K, L, n, n)`` says which
    layers hit segment ``k`` (:attr:`World.segments`). With one segment every
    layer of a dyad hits it, so the rate is the ``headline`` when given.
    """
    if mask.shape[0] == 1 and headline is not None:
        return headline[..., None, :, :]
    return np.einsum("klij,...lij->...kij", mask, layers, optimize=False)


def effective_rate(layers: Array, share: Array, mask: Array) -> Array:
    """Trade-weighted tariff ``sum_k share[k] * rate[k]`` per dyad, ``(B, n, n)``.

    The rate a dyad's baseline trade pays on average: each layer's rate times
    the share of the dyad's trade it hits (coverage net of exemptions).

    Examples
    --------
    >>> w = ts.World.default()
    >>> s = ts.State.zeros(w.n).with_layer(w, "CN", "US", "targeted", 0.10)
    >>> share, mask = w.segments
    >>> t = ts.payoffs.effective_rate(s.layered(w).layers[None], share, mask)
    >>> round(float(t[0, w.index("CN"), w.index("US")]), 3)  # 10% on 29% of US exports
    0.029
    """
    return (share * segment_rates(layers, mask)).sum(axis=-3)


def export_dependence(world: World) -> Array:
    """``D[i, j]``: the share of ``j``'s goods exports that go to ``i`` (``(n, n)``).

    Total exports per country from claim ``total_exports_2024``; a country the
    claim does not name counts its exports to the world's countries only.
    """
    cl = load_claims()
    order = ("US", "CN", "JP", "IN", "BR", "CA", "MX", "AU", "KR", "EU")
    known = dict(zip(order, cl["total_exports_2024"].values, strict=True))
    col = world.imports.sum(axis=0)
    total = np.array(
        [max(float(known.get(c, 0.0)), float(col[k])) for k, c in enumerate(world.codes)]
    )
    return np.divide(world.imports, total[None, :], out=np.zeros_like(world.imports),
                     where=total[None, :] > 0)  # fmt: skip


def supply_elasticity(world: World, elasticity: float | None = None) -> Array:
    r"""Export-supply elasticities ``eps*[i, j]`` of ``j``'s exporters into ``i``'s market.

    .. math:: \varepsilon^*_{ij} = \kappa\,\frac{1 - D_{ji}}{D_{ji}}

    where :math:`D_{ji}` is the share of ``j``'s exports that go to ``i``
    (:func:`export_dependence`): an exporter with few other markets cannot
    divert its goods and so absorbs more of a tariff (its supply to this
    market is less elastic). The scale :math:`\kappa` is set so that the
    pass-through of US tariffs on Chinese goods, :math:`\varepsilon^*/(\varepsilon +
    \varepsilon^*)`, equals the border estimate of claim
    ``pass_through_border_cgnt`` (0.95) at the import-demand elasticity
    ``elasticity`` (default: claim ``import_elasticity_short_run``, 2.5).
    Dyads with no trade get a very elastic supply (1e6); an exporter that sells
    to this market only (:math:`D_{ji} = 1`) a perfectly inelastic one (0). In
    a world without both the US and China the scale is set on the median
    exporter that has other markets.

    Limits: one functional form, one calibration point; the elasticity of a
    whole dyad stands for very different goods (Soderbery 2015 finds wide
    dispersion across products).

    Examples
    --------
    >>> w = ts.World.default()
    >>> es = ts.payoffs.supply_elasticity(w)
    >>> us = w.index("US")
    >>> round(float(es[us, w.index("CN")]), 1), round(float(es[us, w.index("MX")]), 2)
    (47.5, 1.46)
    """
    cl = load_claims()
    if elasticity is None:
        eps = float(np.mean(cl["import_elasticity_short_run"].values))
    else:
        eps = finite_number(elasticity, "elasticity")
        if not eps > 0:
            raise ParameterError(f"`elasticity` must be > 0; got {short_repr(elasticity)}.")
    p0 = float(np.mean(cl["pass_through_border_cgnt"].values))
    d = export_dependence(world)
    odds = np.divide(1.0 - d, d, out=np.full_like(d, np.inf), where=d > 0)
    usable = np.isfinite(odds) & (odds > 0)  # (an exporter with another market to turn to)
    if "US" in world.codes and "CN" in world.codes and usable[world.index("US"), world.index("CN")]:
        ref = float(odds[world.index("US"), world.index("CN")])
    else:
        ref = float(np.median(odds[np.isfinite(odds)])) if np.isfinite(odds).any() else 1.0
        if not ref > 0:  # every exporter sells to one market: the scale multiplies zeros
            ref = float(np.median(odds[usable])) if usable.any() else 1.0
    kappa = p0 * eps / (1.0 - p0) / ref
    return np.minimum(kappa * odds, 1e6)


def market_pass_through(elasticity: ArrayLike, supply: ArrayLike) -> Array:
    r"""Pass-through :math:`p = \varepsilon^* / (\varepsilon + \varepsilon^*)` (in [0, 1]).

    The share of a small tariff borne by the importing country's buyers when
    import demand has elasticity :math:`\varepsilon` and the exporters'
    supply :math:`\varepsilon^*`; the exporters bear :math:`1 - p`.

    Examples
    --------
    >>> float(ts.payoffs.market_pass_through(2.5, 2.5))
    0.5
    """
    e = real_array(elasticity, "elasticity")
    es = real_array(supply, "supply")
    for name, a in (("elasticity", e), ("supply", es)):
        if not np.all(np.isfinite(a) & (a >= 0)):
            bad = a[~(np.isfinite(a) & (a >= 0))].flat[0]
            raise ParameterError(f"`{name}` must be finite and >= 0; got {bad!r}.")
    try:
        both = np.broadcast_shapes(e.shape, es.shape)
    except ValueError:
        raise ParameterError(
            f"`elasticity` (shape {e.shape}) and `supply` (shape {es.shape}) do not broadcast "
            "together."
        ) from None
    if np.any(np.broadcast_to(e + es, both) == 0):
        raise ParameterError(
            "`elasticity` and `supply` are both 0 somewhere: no demand or supply responds, so "
            "the pass-through is undefined."
        )
    return es / (e + es)


def optimal_tariff(
    world: World, importer: str, exporter: str, *, supply: Array | None = None
) -> float:
    r"""Johnson's optimal tariff of ``importer`` on ``exporter``: :math:`t^* = 1/\varepsilon^*`.

    The tariff that maximises the importer's welfare when the partner does
    not retaliate (Johnson 1953–54; claim ``optimal_tariff_rule``): the
    inverse of the elasticity of the exporter's supply to this market
    (:func:`supply_elasticity`, or ``supply``). Large against a dependent
    partner (the US on Mexico: about 0.68), near zero against a diversified
    one (the US on China: about 0.02). With retaliation the Nash tariffs of
    a tariff war leave the smaller country worse off than free trade, and the
    larger one better off only when it is large enough relative to its
    partner (Johnson; Syropoulos 2002): see ``docs/model.md``. ``inf`` where the
    exporter sells to this market only (a perfectly inelastic supply: it bears
    any tariff), and not the tariff at which the simulator's own payoffs peak
    (:func:`model_optimal_tariff`).

    Examples
    --------
    >>> w = ts.World.default()
    >>> opt = ts.payoffs.optimal_tariff
    >>> round(opt(w, "US", "MX"), 2), round(opt(w, "US", "CN"), 3)
    (0.68, 0.021)
    """
    i, j = world.index(importer), world.index(exporter)
    if supply is None:
        es = supply_elasticity(world)
    else:
        es = real_array(supply, "supply")
        if es.shape != (world.n, world.n):
            raise ParameterError(
                f"`supply` must have shape ({world.n}, {world.n}) (importer × exporter); "
                f"got shape {es.shape}."
            )
        if not (math.isfinite(es[i, j]) and es[i, j] >= 0):
            raise ParameterError(
                f"supply[{importer}, {exporter}]: must be finite and >= 0; got {es[i, j]!r}."
            )
    e = float(es[i, j])
    return math.inf if e == 0.0 else 1.0 / e


def model_optimal_tariff(params: Params, world: World, importer: str, exporter: str) -> float:
    r"""The tariff of ``importer`` on ``exporter`` that maximises its trade terms in this model.

    The simulator holds the pass-through ``p`` of a dyad fixed, where Johnson's
    :func:`optimal_tariff` lets the exporter's price fall along its supply
    curve; so the model's own optimum differs from :math:`1/\varepsilon^*`.
    Maximising the importer's ``tariff_pain`` (times the sector multiplier
    :math:`d`) plus its ``revenue`` (times the revenue weight :math:`w`) on
    the dyad, :math:`-d\,\frac{M^0}{s-1}\big(1-(1+pt)^{1-s}\big) + w\,t\,M^0(1+pt)^{-s}`,
    gives the first-order condition :math:`(w - dp)(1 + pt) = w\,s\,p\,t`:

    .. math:: t^\dagger = \frac{w - d\,p}{p\,\big(w\,(s - 1) + d\,p\big)}

    (with :math:`d = w = 1`, :math:`(1 - p)/(p\,(s - 1 + p))`), and 0 where
    :math:`w \le d\,p`: a tariff then costs the buyers more than the revenue
    is worth. The partner does not retaliate and every other term (recession,
    markets, approval, alliance, ...) is left out, as in Johnson's. The rate
    is the dyad's headline on every product segment it hits (each segment's
    optimum is the same), at the long-run elasticity ``params.elasticity``.

    Parameters
    ----------
    params : Params
        Pass-through, sector multiplier ``dependence``, ``revenue_weight`` and
        ``elasticity`` (e.g. :meth:`Params.with_market_power`).
    world : World
        The world ``params`` belong to (its country codes).
    importer, exporter : str
        Country codes.

    Returns
    -------
    float
        :math:`t^\dagger`, a fraction (0.5 = 50%); ``inf`` where the payoff grows
        without bound (pass-through 0, or :math:`w(s-1) + dp \le 0`: no interior
        maximum).

    Raises
    ------
    UnknownNameError
        If a code is not a country of ``world``.
    ParameterError
        If ``importer == exporter``, or ``params`` are not of ``world`` (shapes).

    Examples
    --------
    >>> w = ts.World.default()
    >>> mp = ts.Params.default(w).with_market_power(w)
    >>> at_par = mp.replace(revenue_weight=np.ones(w.n), dependence=np.ones((w.n, w.n)))
    >>> round(ts.payoffs.model_optimal_tariff(at_par, w, "US", "MX"), 3)  # 1/eps* is 0.685
    0.916
    >>> ts.payoffs.model_optimal_tariff(mp, w, "US", "MX")  # revenue at 0.5, multiplier 1.4
    0.0
    """
    i, j = world.index(importer), world.index(exporter)
    if i == j:
        raise ParameterError(f"importer and exporter must differ; got {importer!r} twice.")
    n = world.n
    if params.pass_through.shape != (n, n) or params.revenue_weight.shape != (n,):
        raise ParameterError(
            f"params must be one world's of {n} countries (pass_through of shape ({n}, {n})); "
            f"got pass_through of shape {params.pass_through.shape}."
        )
    p = float(params.pass_through[i, j])
    d = float(params.dependence[i, j])
    w = float(params.revenue_weight[i])
    s = float(params.elasticity)
    if w <= d * p:
        return 0.0
    den = p * (w * (s - 1.0) + d * p)
    if den <= 0.0:
        return math.inf
    return (w - d * p) / den


def tariff_war(model: PayoffModel, a: str, b: str, rates: ArrayLike) -> Array:
    """Economic payoffs of ``a`` and ``b`` when each levies the same tariff on the other.

    For each common rate ``t`` in ``rates``: the state where ``a`` levies ``t``
    on ``b`` and ``b`` levies ``t`` on ``a`` (every other tariff zero), scored
    by the sum of the :data:`ECONOMIC_TERMS` of ``model`` (% of each one's own
    GDP, at an annual rate). With market-power pass-through
    (:meth:`Params.with_market_power`) this is the Johnson / Syropoulos
    comparison of a tariff war with free trade (zero at ``t = 0``).

    Parameters
    ----------
    model : PayoffModel
    a, b : str
        Country codes.
    rates : array_like, shape (T,)
        Common tariffs, fractions >= 0.

    Returns
    -------
    ndarray, shape (T, 2)
        Column 0 is ``a``'s payoff, column 1 ``b``'s.

    Raises
    ------
    ParameterError
        If a rate is negative or not finite, or ``a == b``.
    UnknownNameError
        If a code is not a country of the model's world.

    Examples
    --------
    >>> w = ts.World.default(); w = w.replace(exempt=np.zeros((w.n, w.n)))
    >>> m = ts.PayoffModel(w, ts.Params.default(w).with_market_power(w).replace(
    ...     revenue_weight=np.ones(w.n)))
    >>> np.round(ts.payoffs.tariff_war(m, "US", "MX", [0.0, 0.25]), 3)
    array([[ 0.   ,  0.   ],
           [ 0.019, -5.387]])
    """
    w = model.world
    i, j = w.index(a), w.index(b)
    if i == j:
        raise ParameterError(f"`b` must differ from `a`; got {a!r} twice.")
    t = real_array(rates, "rates").reshape(-1)
    if not len(t):
        raise ParameterError("`rates` is empty; give at least one common tariff.")
    ok = np.isfinite(t) & (t >= 0) & (t <= MAX_TARIFF)
    if not np.all(ok):
        raise ParameterError(
            f"`rates` must be tariffs in [0, {MAX_TARIFF:g}] ({100 * MAX_TARIFF:g}% at most, "
            f"as any tariff); got {t[~ok][0]!r}."
        )
    tt = np.zeros((len(t), w.n, w.n))
    tt[:, i, j] = tt[:, j, i] = t
    bd = model.breakdown(StateBatch.from_tariffs(tt))
    econ = np.sum([bd.terms[k] for k in ECONOMIC_TERMS], axis=0)
    return np.stack([econ[:, i], econ[:, j]], axis=1)


def logistic(x: ArrayLike) -> Array:
    """The logistic function ``1 / (1 + exp(-x))``, overflow-safe."""
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def recession_odds(burden: Array, base: Array, slope: float | Array) -> Array:
    """12-month recession probability: ``logistic(logit(base) + slope * burden)``.

    In (0, 1) for any finite burden, non-decreasing in burden, and equal to
    ``base`` at zero burden: exactly, where ``slope * burden`` is zero (the
    logistic of the logit does not give ``base`` back to the last bit: 0.35
    came back as 0.35000000000000003, and a round without any burden had a
    recession term of -1e-16).

    Examples
    --------
    >>> float(ts.payoffs.recession_odds(np.array([0.0]), np.array([0.35]), 2.0)[0])
    0.35
    """
    base = np.asarray(base, dtype=float)
    shift = slope * burden
    odds = np.where(shift == 0.0, base, logistic(np.log(base / (1.0 - base)) + shift))
    return np.clip(odds, _ODDS_EPS, 1.0 - _ODDS_EPS)


_ODDS_EPS = 1e-12
"""Recession odds are kept in [1e-12, 1 - 1e-12], strictly inside (0, 1)."""


DRAWDOWN_CAP = 99.0
"""The largest equity drawdown, index % below baseline: the floor of :func:`equity_index`
(an index cannot lose all of its value, let alone more)."""


def market_drawdown(
    burden: Array, beta: Array, support: Array, kappa: float, shock: Array
) -> Array:
    """Equity drawdown, index % below baseline: ``min(max(beta B - kappa S, 0) - shock, 99)``.

    Linear in the burden up to :data:`DRAWDOWN_CAP` (it binds only far from the calibration's
    19% at 145%: a what-if with a burden near zero at that state re-solves ``market_beta``
    without bound).
    """
    return np.minimum(np.maximum(beta * burden - kappa * support, 0.0) - shock, DRAWDOWN_CAP)


def approval_rating(
    base: Array, price: Array, market: Array, pain: Array, drawdown: Array
) -> Array:
    """Approval (fraction) after tariff pain and the equity drawdown, within [0, 1]:
    ``clip(base - price * pain - market * drawdown, 0, 1)`` (``pain`` positive)."""
    return np.clip(base - price * pain - market * drawdown, 0.0, 1.0)


def priced_value(burden: Array, beta: Array, support: Array, kappa: float | Array) -> Array:
    r"""The value the equity index prices a burden at, index % (<= 0):
    :math:`V = -\max(\beta B - \kappa S, 0)`, cushioned by policy support :math:`S`."""
    return -np.maximum(beta * burden - kappa * support, 0.0)


def equity_index(
    burden: Array,
    beta: Array,
    support: Array,
    kappa: float | Array,
    shock: Array,
    prev_equity: Array,
    prev_bond: Array,
    speed: float | Array,
    bond_beta: float | Array,
    prev_priced: Array | float = 0.0,
) -> tuple[Array, Array]:
    r"""The equity index and bond stress after a round (state, not a payoff).

    .. math::
        V_t = -\max(\beta B_t - \kappa S_t, 0),\qquad
        m_t = (1-\phi)(E_{t-1} - V_{t-1}) + \text{shock}_t,\qquad
        E_t = \max(V_t + m_t,\ -99)

    .. math:: Z_t = (1-\phi) Z_{t-1} + \gamma \max(E_{t-1} - V_{t-1} - m_t, 0)

    The index prices the tariffs in force at once: :math:`V` is the value the
    burden they imply gives it (cushioned by policy support), so it falls on
    an announcement (a ``set`` event raises the burden before anyone moves)
    and rallies on relief. On top of that it carries the market's mood
    :math:`m`: every shock (a sell-off beyond what the burden explains) moves
    it at once and fades by a share :math:`\phi` (``speed``, the share of the
    round: :attr:`Params.market_speed` is stated per week) a round, so two
    heavy losses in a row add up. Bond stress :math:`Z` rises with each fall
    of the mood (:math:`\gamma`, ``bond_beta``) and fades at the same speed.
    ``prev_priced`` is :math:`V_{t-1}`, the value the previous state priced (with its own
    burden and support: support announced this round is priced at once, like a tariff).

    Returns
    -------
    equity, bond : ndarray
        Index % from baseline (>= -99) and bond stress (yield points, >= 0).

    Examples
    --------
    >>> z = np.zeros(1); beta = np.array([25.0])
    >>> e, b = ts.payoffs.equity_index(np.array([0.4]), beta, z, 5.0, np.array([-5.0]),
    ...                                z, z, 0.5, 0.04)
    >>> round(float(e[0]), 2), round(float(b[0]), 2)   # the tariff priced, and a sell-off
    (-15.0, 0.2)
    >>> e2, _ = ts.payoffs.equity_index(z, beta, z, 5.0, z, e, b, 0.5, 0.04, -10.0)
    >>> round(float(e2[0]), 2)   # the tariff is lifted: relief; half the sell-off remains
    -2.5
    """
    priced = priced_value(burden, beta, support, kappa)
    carry = prev_equity - prev_priced
    mood = (1.0 - speed) * carry + shock
    equity = np.maximum(priced + mood, -99.0)
    bond = (1.0 - speed) * prev_bond + bond_beta * np.maximum(carry - mood, 0.0)
    return equity, bond


def crash_cost(
    equity: Array, bond: Array, weight: Array, threshold: Array, bond_weight: float | Array
) -> Array:
    r"""Cost of a market crash, % of GDP (>= 0): convex past a threshold.

    .. math:: w^{crash}_i\,\max\big(-E_i + \lambda Z_i - \bar X_i,\ 0\big)^2

    Market stress is the index's fall below baseline plus ``bond_weight``
    (:math:`\lambda`) index points per point of bond stress; below the
    threshold :math:`\bar X` a government shrugs it off, past it each further
    point costs more than the last, so a crash can change a best response.

    Examples
    --------
    >>> ts.payoffs.crash_cost(np.array([-10.0, -25.0]), np.zeros(2), np.full(2, 0.01),
    ...                       np.full(2, 20.0), 10.0)
    array([0.  , 0.25])
    """
    stress = -equity + bond_weight * bond - threshold
    return weight * np.maximum(stress, 0.0) ** 2


def alliance_strain(tau: Array, ties: Array, two_step: Array | None = None) -> Array:
    """Tie strain ``sum_j tau[i, j] sum_{k != i, j} W[i, k] W[k, j]`` (>= 0).

    Escalating against ``j`` strains ``i``'s ties with every ``k`` tied to ``j``.
    ``two_step`` may pass ``W @ W`` precomputed (over the whole world when
    ``tau`` covers only some of its countries).
    """
    if two_step is None:
        two_step = ties @ ties  # (W W)[i, j] = sum_k W[i,k] W[k,j]; W has a zero diagonal
    return _sum_last(tau * two_step)


def coalition_gain(tau: Array, ties: Array) -> Array:
    """Value of resisting a common aggressor together (>= 0).

    ``sum_h sum_k W[i, k] min(r[i, h], r[k, h])`` with ``r[c, h] = min(tau[c, h],
    tau[h, c])``: ``i`` and ``k`` each answering the tariff ``h`` levies on it, up to
    its size (a country ``h`` levies nothing on does not resist it, whatever its own
    tariff on ``h``; what it levies beyond ``h``'s tariff is escalation). Continuous
    in every tariff: an attack that starts adds resistance in proportion, so it never
    raises the attacked country's payoff by a jump. When ``k`` settles
    (``tau[k, h] = 0``) the gain vanishes — the divide-and-conquer channel.
    """
    resist = np.minimum(tau, np.swapaxes(tau, -1, -2))  # resist[b, i, h]: i's answer to h
    out = np.zeros(tau.shape[:-1])
    for h in np.flatnonzero(resist.reshape(-1, tau.shape[-1]).any(axis=0)):
        r = resist[..., h]  # (B, n): how much each country answers h
        joint = np.minimum(r[..., :, None], r[..., None, :])  # (B, i, k)
        out += _sum_last(joint * ties)
    return out


def face_cost(
    prev_tau: Array,
    tau: Array,
    peak: Array,
    weight: Array,
    mutual_relief: float,
    zero_cost: Array,
    prev_moved: Array | None = None,
) -> Array:
    """Face lost by cutting tariffs, % of GDP (>= 0).

    Each cut ``Δ⁻[i, j]`` costs ``weight[i]`` per unit of tariff (1.0 = 100
    points), ``mutual_relief`` less when ``j`` cuts on ``i`` in the same round
    or cut in the round before (the other side is seen to have asked);
    taking a dyad that had a positive peak to zero costs ``zero_cost[i]`` more
    ("substantially lowered, not eliminated").
    """
    cut = np.maximum(prev_tau - tau, 0.0)
    partner_cut = np.swapaxes(cut, -1, -2) > 0
    if prev_moved is not None:
        partner_cut = partner_cut | (np.swapaxes(prev_moved, -1, -2) < 0)
    unit = _sum_last(cut * np.where(partner_cut, 1.0 - mutual_relief, 1.0))
    eliminated = _sum_last((cut > 0) & (tau <= 0) & (peak > 0))
    return weight * unit + zero_cost * eliminated


def resolve_cost(
    prev_tau: Array, tau: Array, prev_moved: Array, peak: Array | None = None
) -> Array:
    """Resolve lost by unilateral concessions, per unit of tariff cut (>= 0).

    A cut on ``j`` costs its size unless ``j`` cuts on ``i`` in the same round
    or did so in the round before (then it is reciprocity, not a concession).
    With ``peak`` given, a cut on a partner that has never retaliated (its
    tariff on ``i`` has never been above zero, ``peak[j, i] == 0``) and has
    already stood the tariff for a round without answering (``i`` did not
    raise it last round, ``prev_moved[i, j] <= 0``) concedes nothing to
    pressure and costs no resolve: the 9 April 2025 pause of the partners
    that had not retaliated. Escalations
    left unanswered are charged by :func:`unanswered_harm`, by what an answer
    would achieve.

    Examples
    --------
    >>> z = np.zeros((1, 2, 2)); cut = np.array([[[0, 0.5], [0, 0]]])
    >>> ts.payoffs.resolve_cost(cut, z, z)  # a 50-point cut, partner holds
    array([[0.5, 0. ]])
    >>> ts.payoffs.resolve_cost(cut, z, z, peak=cut)  # the partner stood it, never retaliated
    array([[0., 0.]])
    >>> ts.payoffs.resolve_cost(cut, z, cut, peak=cut)  # but not the round it was imposed
    array([[0.5, 0. ]])
    """
    d = tau - prev_tau
    cut = np.maximum(-d, 0.0)
    partner_d = np.swapaxes(d, -1, -2)
    partner_prev = np.swapaxes(prev_moved, -1, -2)
    unilateral = (partner_d >= 0) & (partner_prev >= 0)
    if peak is not None:  # a partner that has stood a tariff without answering it
        unilateral = unilateral & ((np.swapaxes(peak, -1, -2) > 0) | (prev_moved > 0))
    return _sum_last(cut * unilateral)


def reciprocity_shortfall(
    tau: Array, reference: float | Array, active: Array | float = 1.0
) -> Array:
    r"""How far each country's tariffs fall short of its partners' on it, in [0, n - 1].

    .. math:: R_i = \sum_j a_{ij}\,\frac{\left(\min(\tau_{ji}, \bar g) -
              \min(\tau_{ij}, \bar g)\right)^+}{\bar g}

    ``tau`` is the headline tariff ``(..., n, n)`` (``tau[i, j]``: ``i`` on
    ``j``), :math:`\bar g` the ``reference`` (> 0) and ``active`` the dyads
    on which ``i`` can set its tariff. Each partner adds at most 1: the
    shortfall saturates at the reference, so only the first :math:`\bar g`
    of the partner's tariff asks to be mirrored (a partner at 145% asks no
    more than one at 10%), and a country that levies at least
    :math:`\bar g` — or at least what the partner levies — has none. The
    ``reciprocity`` term charges ``reciprocity_weight[i]`` per unit.

    Examples
    --------
    >>> t = np.array([[[0, 0.30], [0.0, 0]]])       # 0 levies 30% on 1, 1 levies nothing
    >>> ts.payoffs.reciprocity_shortfall(t, 0.10)
    array([[0., 1.]])
    >>> t[0, 1, 0] = 0.10                            # 1 mirrors the first 10 points
    >>> ts.payoffs.reciprocity_shortfall(t, 0.10)
    array([[0., 0.]])
    >>> t[0, 1, 0] = 0.05
    >>> ts.payoffs.reciprocity_shortfall(t, 0.10)
    array([[0. , 0.5]])
    """
    own = np.minimum(tau, reference)
    gap = np.maximum(np.swapaxes(own, -1, -2) - own, 0.0)
    return _sum_last(gap * active / reference)


def trade_bite(flows: Array, m0: Array) -> Array:
    """Share of each dyad's baseline trade a tariff has destroyed, ``1 - M / M0`` (in [0, 1]).

    Zero where there is no baseline trade. The bite saturates at 1: once a
    tariff has choked a flow, raising it further destroys almost nothing.

    Examples
    --------
    >>> m0 = np.array([[0, 100.0], [0, 0]])
    >>> for t in (0.54, 1.04, 1.45, 2.45):
    ...     m = ts.payoffs.trade_response(m0, np.array([[[0, t], [0, 0]]]), np.ones((2, 2)), 2.5)
    ...     print(round(float(ts.payoffs.trade_bite(m, m0)[0, 0, 1]), 3))
    0.66
    0.832
    0.894
    0.955
    """
    return 1.0 - np.divide(flows, m0, out=np.ones_like(flows), where=m0 > 0)


def unanswered_harm(
    answer: Array,
    bite: Array,
    prev_moved: Array,
    active: Array,
    at_stake: Array | float,
    scale: float | Array,
) -> Array:
    r"""Escalations left unanswered, valued by what an answer would achieve (>= 0).

    .. math:: U_i = \sum_j a_{ij}\,[\Delta^{\mathrm{prev}}_{ji} > 0]\,[\Delta_{ij} \le 0]\,
              \min\!\left(\Delta^{\mathrm{prev}}_{ji},\ \kappa\,G_{ij}\,s_{ij}\right)

    in units of tariff (the resolve term multiplies by ``resolve_weight``).
    ``j`` escalated on ``i`` last round (or by this round's announcement) and
    ``i`` does not raise its tariff on ``j`` this round (``answer``
    :math:`\Delta_{ij} \le 0`). What the forgone answer was worth: the
    damage it would inflict, ``bite`` :math:`G_{ij}` — the share of ``j``'s
    exports to ``i`` an equal raise of ``i``'s tariff would destroy
    (:func:`trade_bite`) — times the deterrence it would buy, ``at_stake``
    :math:`s_{ij}` — the share of ``i``'s exports to ``j`` still flowing,
    which further escalation could hit — times the scale :math:`\kappa`
    (``scale``), and never more than the escalation's size
    :math:`\Delta^{\mathrm{prev}}_{ji}`. Both :math:`G` and :math:`s` go to
    zero as covered trade goes to zero: at 125% against 145% there is little
    left to hit or to protect, and a further raise is not worth answering
    (saturation; ``cn_ignore_further_raises``). Only dyads where ``i`` can
    answer count (``active``). The payoff model measures both once trade has
    adjusted (at the long-run elasticity): deterrence is about what the
    answer will do, not about this week's flows.

    Examples
    --------
    >>> z = np.zeros((1, 2, 2)); esc = np.array([[[0, 0], [0.5, 0]]])  # 1 raised on 0 by 50
    >>> g = np.array([[[0, 0.4], [0, 0]]])                              # an answer bites 40%
    >>> ts.payoffs.unanswered_harm(z, g, esc, np.ones((2, 2)), 1.0, 30.0)   # 0 holds
    array([[0.5, 0. ]])
    >>> ts.payoffs.unanswered_harm(z, g, esc, np.ones((2, 2)), 0.02, 30.0)  # saturated
    array([[0.24, 0.  ]])
    >>> ts.payoffs.unanswered_harm(esc.swapaxes(1, 2), g, esc, np.ones((2, 2)), 1.0, 30.0)
    array([[0., 0.]])
    """
    size = np.swapaxes(prev_moved, -1, -2)
    worth = np.minimum(size, scale * bite * at_stake)
    return _sum_last(np.where((size > 0) & (answer <= 0), active * worth, 0.0))


def control_easing_cost(
    prev_control: Array,
    control: Array,
    tariff_change: Array,
    prev_moved: Array,
    mutual_relief: float,
) -> tuple[Array, Array]:
    """Face and resolve units lost by easing export controls (each >= 0).

    Easing a control ``x[i, j]`` is a cut like a tariff cut: it costs face per
    unit eased, ``mutual_relief`` less when ``j`` cut its tariff on ``i`` this
    round or the round before, and resolve per unit eased unless ``j`` did so
    (then it is reciprocity, not a concession). Raising a control costs
    nothing here. The caller multiplies by ``face_weight`` and
    ``resolve_weight``.

    Examples
    --------
    >>> x0 = np.array([[[0, 0.5], [0, 0]]]); x1 = np.array([[[0, 0.25], [0, 0]]])
    >>> z = np.zeros((1, 2, 2))
    >>> face, res = ts.payoffs.control_easing_cost(x0, x1, z, z, 0.5)  # partner holds
    >>> float(face[0, 0]), float(res[0, 0])
    (0.25, 0.25)
    >>> us_cut = np.array([[[0, 0], [-1.0, 0]]])  # the target cut its tariff last round
    >>> face, res = ts.payoffs.control_easing_cost(x0, x1, z, us_cut, 0.5)
    >>> float(face[0, 0]), float(res[0, 0])
    (0.125, 0.0)
    """
    eased = np.maximum(prev_control - control, 0.0)
    partner = (np.swapaxes(tariff_change, -1, -2) < 0) | (np.swapaxes(prev_moved, -1, -2) < 0)
    face = _sum_last(eased * np.where(partner, 1.0 - mutual_relief, 1.0))
    res = _sum_last(eased * ~partner)
    return face, res


def _eliminated(prev_control: Array, nxt: StateBatch) -> Array:
    """Number of export controls lifted entirely this round, per country."""
    return _sum_last((prev_control > 0) & (nxt.control <= 0))


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------
PARAM_SOURCES: dict[str, tuple[str, ...]] = {
    "elasticity": ("import_elasticity_short_run", "embargo_equivalent"),
    "pass_through": ("pass_through_border_2018", "burden_on_us_consumers"),
    "dependence": (
        "model_dependence_multipliers",
        "canada_oil_refineries",
        "canada_crude_share",
        "us_auto_reliance_mexico",
        "mexico_autoparts_share",
        "trump_priorities_fossil_autos",
    ),
    "export_margin": ("model_export_margin",),
    "revenue_weight": ("model_revenue_weight", "optimal_tariff_rule"),
    "critical_exposure": (
        "china_rare_earth_share",
        "rare_earth_controls_trigger",
        "model_critical_exposure",
    ),
    "recession_base": ("us_recession_baseline", "model_recession_base_others"),
    "recession_slope": ("us_recession_odds_60", "us_recession_baseline"),
    "recession_cost": ("model_recession_cost", "ossa_welfare_loss"),
    "market_beta": ("model_market_drawdown_145", "wall_street_turned", "us_idx_20250328"),
    "market_weight": ("model_wealth_effect",),
    "support_effect": ("cn_bank_recap_500bn", "state_funds_backstop", "model_support_effect"),
    "approval_base": ("us_approval_feb2025", "model_approval_base_others"),
    "approval_price": ("approval_39_45", "base_betrayed", "shein_temu_prices"),
    "approval_market": ("approval_39_45", "wall_street_turned"),
    "political_weight": ("model_political_weight", "bipartisan_criticism"),
    "alliance_weight": ("model_alliance_weight", "allies_resist", "us_isolation"),
    "coalition_weight": ("model_coalition_weight", "canada_concession_isolates_mexico"),
    "face_weight": ("model_face_weight", "face_saving_retreat"),
    "face_mutual_relief": ("claim_china_initiated", "cn_media_low_coverage", "model_face_weight"),
    "face_zero_cost": ("lowered_not_eliminated", "model_face_weight"),
    "control_strain": (
        "controls_not_bans",
        "mofcom_no_specific_threat",
        "partners_seek_alternatives",
    ),
    "resolve_weight": (
        "model_resolve_weight",
        "cn_no_unilateral_concessions",
        "cn_door_open_fight",
    ),
    "answer_scale": ("model_answer_scale", "cn_ignore_further_raises", "cn_tariff_us_125"),
    "market_speed": ("model_market_speed", "sp500_april_2025"),
    "crash_weight": (
        "model_crash_weight",
        "wall_street_turned",
        "cal_2025_04_09",
        "cn_national_team_2025",
        "state_funds_backstop",
    ),
    "crash_threshold": ("model_crash_threshold", "sp500_april_2025", "model_market_drawdown_145"),
    "bond_beta": ("ust10y_april_2025", "sp500_april_2025"),
    "bond_weight": ("model_bond_weight", "ust10y_april_2025"),
    "index_beta": (
        "sp500_april_2025",
        "shanghai_april_2025",
        "cal_2025_04_02",
        "reciprocal_rates_2025",
        "cal_2025_04_08",
    ),
    "elasticity_short": (
        "trade_elasticity_dynamics_2018",
        "import_elasticity_short_run",
        "import_elasticity_impact",
    ),
    "adjust_days": ("model_import_adjust_halflife", "trade_elasticity_dynamics_2018"),
    "tie_erosion": ("model_tie_erosion", "relations_not_improved", "partners_seek_alternatives"),
    "tie_value": ("model_tie_value", "us_isolation", "us_isolation_helps_china"),
    "tie_rebuild_days": ("model_tie_rebuild_halflife", "relations_not_improved"),
    "grievance_days": ("model_grievance_halflife", "cn_retaliation_if_us_persists"),
    "grievance_weight": ("model_grievance_weight", "china_real_target", "show_toughness_works"),
    "reciprocity_weight": (
        "model_reciprocity_weight",
        "cn_core_interests_dignity",
        "cn_no_unilateral_concessions",
    ),
    "reciprocity_reference": ("us_universal_baseline_10", "model_reciprocity_weight"),
}
"""Claim ids behind each parameter of :class:`Params` (tested to exist)."""

_CALIBRATION_PATH = (("US", "CN", "us_tariff_cn_145"), ("CN", "US", "cn_tariff_us_125"))
_CALIBRATION_CALENDAR = (
    # days from 4 Feb 2025 and headline rates (DATA.md, 2025 tariff actions by layer):
    # cal_2025_02_01, cal_2025_03_03, cal_2025_04_02, cal_2025_04_09, us_tariff_cn_145
    ("US", "CN", [(0.0, 0.10), (28.0, 0.20), (64.0, 1.04), (65.0, 1.45)]),
    # cn_targeted_2025 (10 Feb, 10 Mar), cn_tariff_us_125 (10 and 12 Apr)
    ("CN", "US", [(6.0, 0.10), (34.0, 0.15), (65.0, 0.99), (67.0, 1.40)]),
)
_CALIBRATION_DAY = 72.0
"""17 April 2025: a week after the step to 145%, when the calibration claims describe the state
(a modelling choice: their article, 000-A, is undated and placed in the last week of April; only
``approval_price`` depends on the date, 5% higher dated 29 April: docs/model.md, Calibration)."""


@dataclass(frozen=True)
class Params:
    """The parameters of the payoff model for one world (true or perceived).

    Per-country fields have shape ``(n,)``; per-dyad fields ``(n, n)`` indexed
    ``[importer, exporter]``. :meth:`default` builds the calibrated defaults;
    :data:`PARAM_SOURCES` names the claims behind each. Use :meth:`replace`
    (or :meth:`with_dyad`) for variants — beliefs are perceived ``Params``.

    Parameters
    ----------
    elasticity : float
        Import-demand elasticity ``s`` (> 0).
    pass_through : ndarray (n, n)
        Share of ``i``'s tariff on ``j`` paid by ``i``'s buyers, in [0, 1].
    dependence : ndarray (n, n)
        Sector multiplier (>= 1 for critical supply) on ``i``'s pain from ``j``.
    export_margin : float
        Share of lost export value that is a real loss to the exporter, [0, 1].
    revenue_weight : ndarray (n,)
        Value a government puts on a dollar of tariff revenue, [0, 1] (above
        1, a marginal cost of public funds, a tariff its buyers pay in full
        would be a net gain, against the calibration's burden at 145%).
    critical_exposure : ndarray (n, n)
        % of ``i``'s GDP lost if ``j`` withheld all critical exports.
    recession_base : ndarray (n,)
        12-month recession odds at free trade, in (0, 1).
    recession_slope : float
        Log-odds per % of GDP of burden (> 0).
    recession_cost : ndarray (n,)
        Cost of a recession, % of GDP (>= 0).
    market_beta : ndarray (n,)
        Index % drawdown per % of GDP of burden.
    market_weight : ndarray (n,)
        % of GDP per index % of drawdown (wealth effect).
    support_effect : float
        Index % recovered per % of GDP of policy support.
    approval_base, approval_price, approval_market : ndarray (n,)
        Approval (fraction) at free trade; fraction lost per % GDP of price
        pain; fraction lost per index % of drawdown.
    political_weight : ndarray (n,)
        % of GDP per approval point (one point = 0.01).
    alliance_weight, coalition_weight : ndarray (n,)
        % of GDP per unit of tie strain / joint resistance.
    face_weight : ndarray (n,)
        % of GDP per unit (1.0 = 100 points) of tariff cut.
    face_mutual_relief : float
        Share of the face cost waived when the partner cuts too, [0, 1].
    face_zero_cost : ndarray (n,)
        Extra % of GDP for eliminating a tariff that had a positive peak.
    resolve_weight : ndarray (n,)
        % of GDP per unit of unilateral cut or unanswered escalation.
    control_strain : ndarray (n,)
        % of GDP a round per unit of export control ``i`` keeps on any
        target (paid in the ``alliance`` term); default 0.
    answer_scale : float
        The scale (kappa) of what an answer would achieve, inside the cap of
        :func:`unanswered_harm`, ``min(escalation, answer_scale * bite * at_stake)``;
        the resolve term charges ``resolve_weight[i]`` per unit of that harm
        (``answer_scale`` is no multiplier: beyond the cap a larger one changes
        nothing). Default 0 here, :meth:`default` sets the calibrated value.
    market_speed : float
        Share of the gap between the equity index and the value it prices
        (the market's mood) that closes in one reference week (7 days,
        ``model_time_reference_week``), in (0, 1]; a round of ``d`` days
        closes ``1 - (1 - market_speed) ** (d / 7)`` of it
        (:func:`tariffsim.dynamics.per_time`), so daily and weekly runs fade a
        sell-off alike per calendar day. Default 1 here (no memory).
    crash_weight : ndarray (n,)
        % of GDP per squared index point of market stress past
        ``crash_threshold``; default 0 here (:meth:`default`: the US and
        China, ``model_crash_weight``).
    crash_threshold : ndarray (n,)
        Market stress (index % below baseline plus weighted bond stress)
        past which a crash costs convexly; >= 0.
    bond_beta : float
        Bond stress (yield points) per index point the equity index falls in
        a round; >= 0.
    bond_weight : float
        Index points of market stress per point of bond stress; >= 0.
    index_beta : ndarray (n,)
        Index % the market prices per % of GDP of burden: the pricing of the
        equity index (:func:`equity_index`, the state the crash cost reads),
        >= 0. Default: ``market_beta``; :meth:`default` solves it per country
        on the April 2025 record (:func:`april_2025_states`): the S&P 500's
        fall from 2 to 8 April for every country but China, the Shanghai
        Composite's from 2 to 7 April for China.
    elasticity_short : float
        Short-run (impact) import-demand elasticity (> 0): the response of
        trade before it adjusts toward ``elasticity`` (the long-run value).
        Default here: ``elasticity`` (no partial adjustment); :meth:`default`
        sets ``elasticity`` x 1.4 / 3.7 (claim ``trade_elasticity_dynamics_2018``).
        The realised trade terms use the elasticity in force; recession odds,
        the equity index and the value of an answer look ahead and use
        ``elasticity`` (see :func:`elasticity_in_force`).
    adjust_days : float
        Half-life, in days, of the gap between the short- and the long-run
        import response (>= 0; 0: trade adjusts at once). Default 0 here;
        :meth:`default` sets 91 (``model_import_adjust_halflife``).
    tie_erosion : float
        Share of an alliance tie lost per unit (100 points) of escalation by
        one side against the other or against the other's partners (weighted
        by their tie), >= 0. Default 0.
    tie_value : ndarray (n,)
        % of GDP a year per unit of tie lost (tie weight times its eroded
        share), paid in the ``alliance`` term, >= 0. Default 0.
    tie_rebuild_days : float
        Half-life, in days, of an eroded tie's loss (>= 0; 0: ties rebuild at
        once). Default 0.
    grievance_days : float
        Half-life, in days, of a remembered grievance (>= 0; 0: none is
        remembered). Default 0.
    grievance_weight : ndarray (n,)
        Extra ``resolve`` cost, % of GDP per unit of cut times the grievance
        held against the partner (>= 0): cutting a tariff on a partner that
        retaliated costs more. Default 0.
    reciprocity_weight : ndarray (n,)
        % of GDP a year per unit of :func:`reciprocity_shortfall`: the
        standing cost of levying less on a partner than it levies on you
        (>= 0). Default 0; :meth:`default` gives China its stated principle.
    reciprocity_reference : float
        The part of a partner's tariff that reciprocity asks to mirror, a
        fraction (> 0): the shortfall saturates there. Default 0.10.
    calibration : mapping
        How calibrated numbers were derived (read-only record).
    """

    elasticity: float
    pass_through: Array
    dependence: Array
    export_margin: float
    revenue_weight: Array
    critical_exposure: Array
    recession_base: Array
    recession_slope: float
    recession_cost: Array
    market_beta: Array
    market_weight: Array
    support_effect: float
    approval_base: Array
    approval_price: Array
    approval_market: Array
    political_weight: Array
    alliance_weight: Array
    coalition_weight: Array
    face_weight: Array
    face_mutual_relief: float
    face_zero_cost: Array
    resolve_weight: Array
    control_strain: Array = 0.0  # type: ignore[assignment]
    answer_scale: float = 0.0
    market_speed: float = 1.0
    crash_weight: Array = 0.0  # type: ignore[assignment]
    crash_threshold: Array = 0.0  # type: ignore[assignment]
    bond_beta: float = 0.0
    bond_weight: float = 0.0
    index_beta: Array = None  # type: ignore[assignment]
    elasticity_short: float = None  # type: ignore[assignment]
    adjust_days: float = 0.0
    tie_erosion: float = 0.0
    tie_value: Array = 0.0  # type: ignore[assignment]
    tie_rebuild_days: float = 0.0
    grievance_days: float = 0.0
    grievance_weight: Array = 0.0  # type: ignore[assignment]
    reciprocity_weight: Array = 0.0  # type: ignore[assignment]
    reciprocity_reference: float = 0.10
    calibration: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.elasticity_short is None:
            object.__setattr__(self, "elasticity_short", self.elasticity)
        if self.index_beta is None:
            object.__setattr__(self, "index_beta", self.market_beta)
        pt = real_array(self.pass_through, "pass_through")
        if pt.ndim != 2 or pt.shape[0] != pt.shape[1] or not pt.shape[0]:
            raise ParameterError(
                f"`pass_through` must be an (n, n) matrix; got shape {np.shape(self.pass_through)}."
            )
        n = pt.shape[0]
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "calibration":
                if v is None:  # (none: nothing calibrated)
                    object.__setattr__(self, "calibration", {})
                    continue
                if not isinstance(v, Mapping):
                    raise ParameterError(
                        f"`calibration` must be a mapping of field name to target; "
                        f"got {short_repr(v)}."
                    )
                continue
            if f.type == "float":
                x = as_real(v)
                if x is None:
                    raise ParameterError(f"`{f.name}` must be a number; got {short_repr(v)}.")
                if not np.isfinite(x):
                    raise ParameterError(f"`{f.name}` must be finite; got {short_repr(v)}.")
                if abs(x) > PARAM_MAGNITUDE:
                    raise ParameterError(
                        f"`{f.name}` must be within ±{PARAM_MAGNITUDE:g} (beyond it the payoff "
                        f"terms overflow to infinities); got {x!r}."
                    )
                object.__setattr__(self, f.name, x)
                continue
            if v is None:
                raise ParameterError(f"`{f.name}` must be real numbers; got None.")
            if isinstance(v, Mapping):
                raise ParameterError(
                    f"`{f.name}` must be an array in the world's country order, not a mapping; "
                    f"got {short_repr(v)}. Set one country's value with "
                    f"Params.with_country(world, {f.name!r}, code, value)."
                )
            labels = labels_of(v)
            if labels is not None:  # (numpy would read it by position, dropping the labels)
                how = (
                    f"with_dyad(world, {f.name!r}, importer, exporter"
                    if f.name in _DYAD_FIELDS
                    else f"with_country(world, {f.name!r}, code"
                )
                raise ParameterError(
                    f"`{f.name}` is labelled ({labels}): give it as an array in the world's "
                    f"country order (`series.reindex(world.codes).to_numpy()`), or set one "
                    f"value with Params.{how}, value)."
                )
            arr = real_array(v, f.name).copy()
            want = (n, n) if f.name in _DYAD_FIELDS else (n,)
            if arr.shape == () and f.name not in _DYAD_FIELDS:
                arr = np.full(n, float(arr))
            if arr.shape != want:
                raise ParameterError(
                    f"`{f.name}` must have shape {want} ({n} countries, as `pass_through` "
                    f"has); got shape {arr.shape}."
                )
            if not np.all(np.isfinite(arr)):
                raise ParameterError(
                    f"`{f.name}` must be finite; got {arr[~np.isfinite(arr)].flat[0]!r}."
                )
            if np.any(np.abs(arr) > PARAM_MAGNITUDE):
                far = float(arr.flat[np.argmax(np.abs(arr))])
                raise ParameterError(
                    f"`{f.name}` must be within ±{PARAM_MAGNITUDE:g} (beyond it the payoff "
                    f"terms overflow to infinities); got {far!r}."
                )
            arr.flags.writeable = False
            object.__setattr__(self, f.name, arr)
        self._check_ranges()

    def _check_ranges(self) -> None:
        for name, bounds in PARAM_RANGES.items():
            a = np.asarray(getattr(self, name))
            bad = _outside_range(a, bounds)
            if bad.any():
                raise ParameterError(
                    f"`{name}` must be {_range_text(bounds)}; got {float(a[bad].flat[0])!r}."
                )

    @property
    def n(self) -> int:
        """Number of countries."""
        return int(self.pass_through.shape[0])

    def __repr__(self) -> str:
        """Each field in one short entry: a number, or the range of a per-country or per-dyad
        array (``lowest..highest``); the arrays are the fields themselves."""

        def short(v: Any) -> str:
            a = np.asarray(v, dtype=float)
            lo, hi = float(a.min()) + 0.0, float(a.max()) + 0.0
            return f"{lo:.4g}" if lo == hi else f"{lo:.4g}..{hi:.4g}"

        parts = [
            f"{f.name}={short(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
            if f.name != "calibration"
        ]
        return f"<{self._head()}: " + ", ".join(parts) + ">"

    def _head(self) -> str:
        """``Params for 10 countries (calibrated)``: how its displays begin."""
        return f"Params for {self.n} countries" + (" (calibrated)" if self.calibration else "")

    def _pretty_lines(self, codes: Sequence[str] | None = None) -> list[str]:
        """A line per field: a number; a per-country or per-dyad array in full (by country
        ``codes`` when given) unless all its entries are equal."""
        names = list(codes) if codes is not None else [str(k) for k in range(self.n)]
        lines = []
        for f in dataclasses.fields(self):
            if f.name == "calibration":
                continue
            a = np.asarray(getattr(self, f.name), dtype=float)
            if a.ndim == 0 or bool(np.all(a == a.flat[0])):
                lines.append(
                    f"  {f.name} {float(a.flat[0]) + 0.0:.6g}" + (" (all)" if a.ndim else "")
                )
            elif a.ndim == 1:
                lines.append(f"  {f.name} " + ", ".join(
                    f"{c} {float(x):.6g}" for c, x in zip(names, a, strict=True)))  # fmt: skip
            else:
                lines.append(f"  {f.name} {rows_text(names, a)}")
        return lines

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Every field of a small world's parameters (IPython, hypothesis' failing
        examples); the one-line :func:`repr` beyond six countries."""
        p.text(
            "\n".join([f"<{self._head()}>", *self._pretty_lines()]) if self.n <= 6 else repr(self)
        )

    def replace(self, **changes: Any) -> Params:
        """A copy with fields replaced (validated again; a name that is no field is a
        ``ParameterError``)."""
        return replaced(self, changes)

    def _replace_trusted(self, **changes: Any) -> Params:
        """Internal: :meth:`replace` without re-validation, for values known valid.

        Used by belief updates, whose new values are convex combinations of two
        valid parameter sets (so in range, finite and of the right shape).
        """
        out = object.__new__(Params)
        for f in dataclasses.fields(self):
            v = changes.get(f.name, getattr(self, f.name))
            if isinstance(v, np.ndarray) and v.flags.writeable:
                v = v.copy()
                v.flags.writeable = False
            object.__setattr__(out, f.name, v)
        return out

    def with_market_power(self, world: World) -> Params:
        """A copy whose pass-through follows from elasticities (market power).

        ``pass_through[i, j] = eps*[i, j] / (elasticity + eps*[i, j])`` with the
        export-supply elasticities of :func:`supply_elasticity`: buyers in a
        large market facing a dependent exporter pay less of the tariff, so a
        large country can gain from a tariff against a small partner. The
        bundled scenarios keep the calibrated pass-through of
        ``pass_through_border_2018``; this is the opt-in market-power model.

        Examples
        --------
        >>> w = ts.World.default()
        >>> p = ts.Params.default(w).with_market_power(w)
        >>> round(float(p.pass_through[w.index("US"), w.index("MX")]), 2)
        0.37
        """
        pt = market_pass_through(self.elasticity, supply_elasticity(world, self.elasticity))
        return self.replace(pass_through=pt)

    def with_partial_adjustment(
        self, world: World, elasticity_short: float | None = None
    ) -> Params:
        """A copy whose import response adjusts partially, recalibrated.

        Sets ``elasticity_short`` (default: what :meth:`default` sets,
        ``elasticity`` times the short- to long-run ratio of the 2018 US
        tariffs, claim ``trade_elasticity_dynamics_2018``: 2.5 x 1.4 / 3.7 =
        0.946): a new tariff first meets the short-run response, which moves
        toward the long-run one with half-life ``adjust_days``
        (:func:`tariffsim.dynamics.adjust_step`). The calibrated fields are
        re-solved (:meth:`recalibrated`). ``elasticity_short = elasticity``
        switches partial adjustment off (the static model).

        Examples
        --------
        >>> w = ts.World.default()
        >>> p = ts.Params.default(w).with_partial_adjustment(w, 0.76)
        >>> p.elasticity_short, p.elasticity, round(p.recession_slope, 3)
        (0.76, 2.5, 2.243)
        """
        value = (
            _short_run_elasticity(load_claims(), self.elasticity)
            if elasticity_short is None
            else elasticity_short
        )
        return self.replace(elasticity_short=value).recalibrated(world)

    def with_dyad(
        self, world: World, name: str, importer: str, exporter: str, value: float
    ) -> Params:
        """A copy with one per-dyad entry changed, by country codes.

        Examples
        --------
        >>> w = ts.World.default()
        >>> p = ts.Params.default(w).with_dyad(w, "pass_through", "US", "CN", 0.2)
        >>> float(p.pass_through[0, 1])
        0.2
        """
        if name not in _DYAD_FIELDS:
            raise ParameterError(f"`name` must be one of {sorted(_DYAD_FIELDS)}; got {name!r}.")
        i, j = self._positions(world, importer, exporter)
        arr = np.array(getattr(self, name))
        arr[i, j] = finite_number(value, f"{name}[{importer}, {exporter}]", finite=False)
        return self.replace(**{name: arr})

    def _positions(self, world: World, *codes: str) -> tuple[int, ...]:
        """The positions of ``codes`` in ``world``, a world of this Params' size."""
        if not isinstance(world, World) or world.n != self.n:
            got = f"{world.n} countries" if isinstance(world, World) else short_repr(world)
            raise ParameterError(
                f"`world` must be the World of these parameters ({self.n} countries); got {got}."
            )
        return tuple(world.index(c) for c in codes)

    def with_country(self, world: World, name: str, code: str, value: float) -> Params:
        """A copy with one per-country entry changed, by country code."""
        f = {f.name: f for f in dataclasses.fields(self)}
        if (
            name not in f
            or name in _DYAD_FIELDS
            or f[name].type == "float"
            or name == "calibration"
        ):
            allowed = sorted(
                k
                for k in f
                if k not in _DYAD_FIELDS and f[k].type != "float" and k != "calibration"
            )
            raise ParameterError(f"`name` must be one of {allowed}; got {name!r}.")
        (i,) = self._positions(world, code)
        arr = np.array(getattr(self, name))
        arr[i] = finite_number(value, f"{name}[{code}]", finite=False)
        return self.replace(**{name: arr})

    @classmethod
    def default(cls, world: World) -> Params:
        """Calibrated defaults for ``world`` (see :data:`PARAM_SOURCES`).

        Calibration, on the state where the US levies 145% on China and China
        125% on the US and every other tariff is zero (``calibration_state``):
        the recession slope makes the US's odds there 0.60 (claim
        ``us_recession_odds_60``) from the baseline ``us_recession_baseline``;
        the market beta makes the US drawdown there the assumed
        ``model_market_drawdown_145``; approval loses half of its fall to price
        pain and half to markets, landing at the middle of the 39–45% band
        (``approval_39_45``). The solve is :meth:`recalibrated`, which a
        what-if calls again when it moves a calibration input
        (:meth:`tariffsim.scenario.Scenario.with_params`).

        Parameters
        ----------
        world : World
            Any world: per-country arrays have shape ``(n,)``, per-dyad ones
            ``(n, n)`` in its country order. Countries other than the US,
            China, Canada and Mexico get the "others" defaults. Without both
            the US and China there is no calibration state, and the
            calibrated fields keep neutral values (slope 1, beta 1, no
            approval response).

        Returns
        -------
        Params
            Every field set from its claims (:data:`PARAM_SOURCES`); units are
            those of :class:`Params` (shares as fractions, payoff weights per
            % of GDP). ``calibration`` records the US burden and pain at the
            calibration state and the targets met.

        Raises
        ------
        UnknownNameError
            If a claim the defaults cite is missing from the claims data.

        Examples
        --------
        >>> w = ts.World.default()
        >>> p = ts.Params.default(w)
        >>> round(p.calibration["us_recession_odds_target"], 2), p.recession_base.shape
        (0.6, (10,))
        """
        cl = load_claims()
        n = world.n
        idx = {c: k for k, c in enumerate(world.codes)}
        ones = np.ones(n)

        def v(cid: str) -> float:
            return float(np.mean(cl[cid].values))

        dep = np.ones((n, n))
        for a, b, cid in (
            ("US", "CA", "model_dependence_multipliers"),
            ("US", "MX", "model_dependence_multipliers"),
        ):
            if a in idx and b in idx:
                k = 0 if b == "CA" else 1
                dep[idx[a], idx[b]] = cl[cid].values[k]
        crit = np.zeros((n, n))
        if "CN" in idx:
            share = v("model_critical_exposure")
            for c in world.codes:
                if c != "CN":
                    crit[idx[c], idx["CN"]] = share
        us_base = v("us_recession_baseline") / 100.0
        base = np.full(n, v("model_recession_base_others") / 100.0)
        if "US" in idx:
            base[idx["US"]] = us_base
        appr0 = np.full(n, v("model_approval_base_others") / 100.0)
        if "US" in idx:
            appr0[idx["US"]] = v("us_approval_feb2025") / 100.0
        crash = np.zeros(n)  # governments that act on a crash: the US (it paused), China (it buys)
        for c in ("US", "CN"):
            if c in idx:
                crash[idx[c]] = v("model_crash_weight")
        resolve = ones * cl["model_resolve_weight"].values[0]
        if "CN" in idx:
            resolve[idx["CN"]] = cl["model_resolve_weight"].values[1]
        recip = np.zeros(n)
        if "CN" in idx:  # China's stated principle: no unilateral concessions, dignity kept
            recip[idx["CN"]] = v("model_reciprocity_weight")
        provisional = cls(
            elasticity=v("import_elasticity_short_run"),
            pass_through=np.full((n, n), v("pass_through_border_2018")),
            dependence=dep,
            export_margin=v("model_export_margin"),
            revenue_weight=ones * v("model_revenue_weight"),
            critical_exposure=crit,
            recession_base=base,
            recession_slope=1.0,
            recession_cost=ones * v("model_recession_cost"),
            market_beta=ones,
            market_weight=ones * v("model_wealth_effect"),
            support_effect=v("model_support_effect"),
            approval_base=appr0,
            approval_price=ones * 0.0,
            approval_market=ones * 0.0,
            political_weight=ones * v("model_political_weight"),
            alliance_weight=ones * v("model_alliance_weight"),
            coalition_weight=ones * v("model_coalition_weight"),
            face_weight=ones * cl["model_face_weight"].values[0],
            face_mutual_relief=cl["model_face_weight"].values[1],
            face_zero_cost=ones * cl["model_face_weight"].values[2],
            resolve_weight=resolve,
            answer_scale=v("model_answer_scale"),
            market_speed=v("model_market_speed"),
            crash_weight=crash,
            crash_threshold=ones * v("model_crash_threshold"),
            bond_beta=_bond_beta(cl),
            bond_weight=v("model_bond_weight"),
            elasticity_short=_short_run_elasticity(cl, v("import_elasticity_short_run")),
            adjust_days=v("model_import_adjust_halflife"),
            tie_erosion=v("model_tie_erosion"),
            tie_value=ones * v("model_tie_value"),
            tie_rebuild_days=v("model_tie_rebuild_halflife"),
            grievance_days=v("model_grievance_halflife"),
            grievance_weight=ones * v("model_grievance_weight"),
            reciprocity_weight=recip,
            reciprocity_reference=v("us_universal_baseline_10") / 100.0,
        )
        return provisional.recalibrated(world)

    def recalibrated(self, world: World, *, keep: Iterable[str] = ()) -> Params:
        """These parameters with the calibrated fields re-solved for their inputs.

        The calibrated fields (:data:`CALIBRATED_FIELDS`: ``recession_slope``,
        ``market_beta``, ``approval_price``, ``approval_market``) are solved
        so that, at :func:`calibration_state` (US 145% on China, China 125%
        on the US), the US recession odds are 60% (``us_recession_odds_60``),
        its equity drawdown is ``model_market_drawdown_145`` and its approval
        sits mid-band (``approval_39_45``) — whatever the other parameters
        (elasticity, pass-through, dependence …). :meth:`default` calls this;
        a what-if that changes an input of the calibration calls it again
        (see :meth:`tariffsim.scenario.Scenario.with_params`).

        Parameters
        ----------
        world : World
        keep : iterable of str
            Calibrated fields to leave as they are (set by the user).

        Returns
        -------
        Params
            With ``calibration`` recording the US burden and pain at the
            calibration state and the targets. Unchanged when the world has no
            US or no China. When the US bears no burden at the calibration
            state (no US imports from China, a what-if), the default world's
            calibrated values are kept (``calibration["reference_world"]``).
        """
        keep = [keep] if isinstance(keep, str) else list(keep)
        for k in keep:
            if k not in PARAM_FIELDS:
                raise UnknownNameError(
                    f"`keep` names {k!r}, no parameter; {did_you_mean(k, sorted(PARAM_FIELDS))}"
                    f"the calibrated fields: {', '.join(CALIBRATED_FIELDS)}."
                )
        self._positions(world)  # (a world of these parameters' size)
        idx = {c: k for k, c in enumerate(world.codes)}
        if "US" not in idx or "CN" not in idx:
            return self
        cl = load_claims()

        def v(cid: str) -> float:
            return float(np.mean(cl[cid].values))

        ones = np.ones(world.n)
        inputs = calibration_inputs(PayoffModel(world, self))
        burden_us, pain_us, rise_us, rise_cn = (float(x) for x in inputs[0, :4])
        if not (burden_us > 1e-9 and pain_us > 1e-9 and np.isfinite(burden_us + pain_us)):
            # Nothing to calibrate on (a what-if without US imports from China, or
            # parameters under which the US bears none of the tariff): keep the
            # calibration of the default world.
            dflt = World.default()
            if world.codes == dflt.codes and np.array_equal(world.imports, dflt.imports):
                raise ParameterError(
                    "calibration: the US burden at the 145%/125% state is not positive "
                    f"(burden {burden_us:.4g}% of GDP, tariff pain {pain_us:.4g}% of GDP): these "
                    "parameters leave the US too little of the tariff's cost to calibrate its "
                    "recession odds and markets on. Keep the calibrated fields as they are "
                    "(recalibrate=False; on the command line, --no-recalibrate)."
                )
            ref = Params.default(dflt)
            fallback = {
                "recession_slope": ref.recession_slope,
                "market_beta": ones * float(np.mean(ref.market_beta)),
                "approval_price": ones * float(np.mean(ref.approval_price)),
                "approval_market": ones * float(np.mean(ref.approval_market)),
                "index_beta": ones * float(np.mean(ref.index_beta)),
            }
            return self.replace(
                **{k: val for k, val in fallback.items() if k not in set(keep)},
                calibration={**ref.calibration, "reference_world": 1.0},
            )
        kept_beta = (
            np.asarray(self.market_beta, dtype=float)[idx["US"]].reshape(1)
            if "market_beta" in set(keep)
            else None
        )
        _check_targets(inputs[:, 4], calibration_targets()["odds"], inputs[:, 5], None)
        arrays = solve_calibration(inputs, world.n, idx["CN"], market_beta=kept_beta)
        solved: dict[str, Any] = {k: a[0] for k, a in arrays.items()}
        solved["recession_slope"] = float(solved["recession_slope"])
        targets = calibration_targets()
        dd_target = v("model_market_drawdown_145")
        fall_us, fall_cn = _april_falls(cl)
        keep = set(keep)
        return self.replace(
            **{k: val for k, val in solved.items() if k not in keep},
            calibration={
                "us_burden_at_145_125": burden_us,
                "us_pain_at_145_125": pain_us,
                "us_recession_odds_target": targets["odds"],
                "us_drawdown_target": dd_target,
                "us_april_fall": fall_us,
                "cn_april_fall": fall_cn,
                "us_april_burden_rise": rise_us,
                "cn_april_burden_rise": rise_cn,
                "us_approval_target": targets["approval"],
            },
        )


CALIBRATION_INPUTS = (
    "pass_through", "elasticity", "elasticity_short", "export_margin", "revenue_weight",
    "dependence", "recession_base", "approval_base",
)  # fmt: skip
"""The Params fields :func:`calibration_inputs` depend on (a test checks that each moves them
and no other field does): what a what-if must change to move the calibration. All but the
last two enter through the burden; ``critical_exposure`` does not (the calibration's states
hold no export control)."""


def calibration_block(world: World, days: float) -> tuple[StateBatch, _WorldView]:
    """The four states :func:`calibration_inputs` evaluates (:func:`calibration_state`, then
    :func:`april_2025_states` in :data:`APRIL_DATES` order) and the view of ``world`` it
    evaluates them in, for rounds of ``days`` (the model's ``round_days``): built once, for
    callers that evaluate many blocks of runs."""
    w = world
    april = april_2025_states(w)
    states = StateBatch.stack([calibration_state(w)] + [april[d] for d in APRIL_DATES])
    seg_share, seg_mask = w.segments
    view = _WorldView(
        w.gdp, w.imports, w.exempt, w.ties, w.ties @ w.ties, seg_share, seg_mask, w.decompose,
        _segment_rater(w, np.arange(w.n), seg_mask), days,
    )  # fmt: skip
    return states, view


def calibration_inputs(
    model: PayoffModel,
    p: Params | None = None,
    *,
    block: tuple[StateBatch, _WorldView] | None = None,
) -> Array:
    """What the calibrated fields are solved from, per run, shape ``(R, 6)``.

    Columns: the US burden and the US tariff pain at :func:`calibration_state`
    (% of GDP), the burden the April 2025 tariffs added for the US (8 April
    over 2 April) and for China (7 April over 2 April) (:func:`april_2025_states`),
    the US baseline recession odds and the US baseline approval.
    :meth:`Params.recalibrated` and :func:`tariffsim.analysis.vary.recalibrated_overrides`
    both read them here, evaluated in one block over the whole world (four
    states), so that a what-if and an ensemble's run solve from the same bits.

    Parameters
    ----------
    model : PayoffModel
        Its world (with ``US`` and ``CN``) and, unless ``p`` is given, its params.
    p : Params, optional
        Params with leading ``(R, 1)`` axes on every field, as the engine batches
        them (``tariffsim._batchrun._batched_params`` over every country); R = 1
        for plain Params. Only fields of :data:`CALIBRATION_INPUTS` may differ by
        run (the terms of others would not broadcast against the burden).
    block : optional
        :func:`calibration_block` of the model's world and round (built here if not given).
    """
    w = model.world
    p = model.params if p is None else p
    us, cn = w.index("US"), w.index("CN")
    states, view = calibration_block(w, model.round_days) if block is None else block
    bd = _evaluate_block(
        view, p, model.weights, model.active, states, states.tariff - states.moved,
        np.broadcast_to(0.0, states.tariff.shape), states.control, None, states.grievance,
    )  # fmt: skip
    # (a field of the realised terms alone, elasticity_short, gives the pain a run axis and
    # not the burden: both to their common shape)
    burden, pain = np.broadcast_arrays(bd.burden, -bd.terms["tariff_pain"])
    burden, pain = burden.reshape(-1, 4, w.n), pain.reshape(-1, 4, w.n)
    runs = burden.shape[0]
    base = np.broadcast_to(np.asarray(p.recession_base, dtype=float), (runs, 1, w.n))
    appr = np.broadcast_to(np.asarray(p.approval_base, dtype=float), (runs, 1, w.n))
    return np.stack(
        [
            burden[:, 0, us], pain[:, 0, us], burden[:, 3, us] - burden[:, 1, us],
            burden[:, 2, cn] - burden[:, 1, cn], base.reshape(runs, w.n)[:, us],
            appr.reshape(runs, w.n)[:, us],
        ],
        axis=1,
    )  # fmt: skip


def solve_calibration(
    inputs: Array,
    n: int,
    cn: int,
    *,
    odds: Array | None = None,
    approval: Array | None = None,
    market_beta: Array | None = None,
) -> dict[str, Array]:
    """The calibrated fields solved for given inputs, one row per run (:meth:`Params.recalibrated`).

    At the calibration state the US recession odds are 60% (``us_recession_odds_60``),
    its equity drawdown ``model_market_drawdown_145`` and its approval mid-band
    (``approval_39_45``); the equity index prices the record's April falls over the
    burden the April tariffs added (``sp500_april_2025``, ``shanghai_april_2025``).
    ``odds`` and ``approval`` replace the first and the last of these targets run by run
    (the claims' ranges drawn by ``vary="claims"``,
    :func:`tariffsim.analysis.vary.overrides_from_claims`).

    Parameters
    ----------
    inputs : ndarray (R, 6)
        :func:`calibration_inputs`: the US burden and tariff pain at
        :func:`calibration_state` (% of GDP; positive), the burden the April
        2025 tariffs added for the US and China (where either is not above
        1e-9, the index is priced with the market beta), the US baseline
        recession odds and approval (fractions).
    n, cn : int
        The number of countries and China's position.
    odds, approval : ndarray (R,), optional
        The US recession odds and approval at the calibration state (fractions), per run;
        by default the articles' 60% and the middle of the 39–45% band.
    market_beta : ndarray (R,), optional
        The US market beta in force where it is kept as set (not re-solved): approval's
        market share of the fall is then solved against the drawdown that beta gives at the
        calibration state (all of the fall on price pain where that drawdown is nil), so
        approval still meets its target. By default the beta is re-solved and the drawdown
        there is the record's.

    Returns
    -------
    dict of str to ndarray
        ``recession_slope`` (R,); ``market_beta``, ``approval_price``,
        ``approval_market`` and ``index_beta`` (R, n).
    """
    burden_us, pain_us, rise_us, rise_cn, us_base, approval_base_us = inputs.T
    cl = load_claims()
    target = calibration_targets()["odds"] if odds is None else odds
    dd_target = float(np.mean(cl["model_market_drawdown_145"].values))
    slope = (np.log(target / (1 - target)) - np.log(us_base / (1 - us_base))) / burden_us
    beta = dd_target / burden_us
    fall_us, fall_cn = _april_falls(cl)
    ones = np.ones(n)
    priced = (rise_us > 1e-9) & (rise_cn > 1e-9) & np.isfinite(rise_us + rise_cn)
    with np.errstate(divide="ignore", invalid="ignore"):
        index_beta = np.where(priced[:, None], ones * (fall_us / rise_us)[:, None],
                              ones * beta[:, None])  # fmt: skip
        # all but China: the US's (S&P 500); China: its own record (Shanghai Composite)
        index_beta[:, cn] = np.where(priced, fall_cn / rise_cn, beta)
    appr_fall = approval_base_us - (
        calibration_targets()["approval"] if approval is None else approval
    )
    if market_beta is None:
        on_price, on_market = 0.5 * appr_fall / pain_us, 0.5 * appr_fall / dd_target
    else:  # the drawdown the kept beta gives there (no support, no shock at that state)
        dd = np.minimum(np.asarray(market_beta, dtype=float) * burden_us, DRAWDOWN_CAP)
        some = dd > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            on_price = np.where(some, 0.5, 1.0) * appr_fall / pain_us
            on_market = np.where(some, 0.5 * appr_fall / np.where(some, dd, 1.0), 0.0)
    return {
        "recession_slope": slope,
        "market_beta": ones * beta[:, None],
        "approval_price": ones * on_price[:, None],
        "approval_market": ones * on_market[:, None],
        "index_beta": index_beta,
    }


def _check_targets(
    us_base: Array, odds: Any, approval_base_us: Array, approval: Array | None
) -> None:
    """Refuse a US baseline the calibration cannot start from, naming it: the tariffs at the
    calibration state raise the recession odds above their base and lower approval below
    its base, so the base odds must be below the odds target and base approval above the
    approval target (else the slope or the price of approval would come out negative)."""
    t = calibration_targets()
    for name, base, goal, claim, rule in (
        ("recession_base.US", us_base, odds, "us_recession_odds_60", "below"),
        ("approval_base.US", approval_base_us,
         t["approval"] if approval is None else approval, "approval_39_45", "above"),
    ):  # fmt: skip
        b, g = np.broadcast_arrays(np.asarray(base, dtype=float), np.asarray(goal, dtype=float))
        bad = (b >= g) if rule == "below" else (b < g)
        if bad.any():
            r = int(np.argmax(bad))
            which = "recession odds" if rule == "below" else "approval"
            raise ParameterError(
                f"`{name}` must be {rule} the US {which} the calibration targets at 145% "
                f"({float(g.flat[r]):.4g}, claim {claim}): the tariffs move it from its base "
                f"to there; got {float(b.flat[r]):.4g}."
            )


def calibration_targets() -> dict[str, float]:
    """The default targets of :func:`solve_calibration` that the claims give a range to
    (fractions): ``odds``, the US recession odds at the calibration state
    (``us_recession_odds_60``: 60%), and ``approval``, US approval there (the middle of
    ``approval_39_45``: 42%)."""
    cl = load_claims()
    return {
        "odds": float(np.mean(cl["us_recession_odds_60"].values)) / 100.0,
        "approval": float(np.mean(cl["approval_39_45"].values)) / 100.0,
    }


PARAM_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Params) if f.name != "calibration"
)
"""The fields of :class:`Params` that hold numbers (every one but ``calibration``)."""

CALIBRATED_FIELDS = (
    "recession_slope",
    "market_beta",
    "approval_price",
    "approval_market",
    "index_beta",
)
"""Fields of :class:`Params` solved by :meth:`Params.recalibrated` rather than cited directly."""


def calibrated_sides(paths: Iterable[str]) -> tuple[set[str], set[str]]:
    """The calibrated fields that parameter paths name (any country), per side: those a
    what-if keeps as set in the truth, and those it keeps in the agents' beliefs, when it
    re-solves the rest. A plain path (or a field's bare name) keeps its field on both sides,
    a ``truth:`` or ``belief:`` path on its own: a belief set by hand leaves the truth to be
    re-solved for the calibration's targets."""
    truth: set[str] = set()
    beliefs: set[str] = set()
    for p in paths:
        scope, _, rest = p.rpartition(":")
        f = rest.split(".")[0]
        if f in CALIBRATED_FIELDS:
            if scope != "belief":
                truth.add(f)
            if scope != "truth":
                beliefs.add(f)
    return truth, beliefs


def calibration_moved(before: Array, after: Array) -> NDArray[np.bool_]:
    """Per row of :func:`calibration_inputs` ``after``: whether any input moved from ``before``
    (beyond a relative 1e-12), so that the calibrated fields are re-solved."""
    return np.asarray(~np.isclose(after, before, rtol=1e-12, atol=0.0).all(axis=-1))


_DYAD_FIELDS = frozenset({"pass_through", "dependence", "critical_exposure"})
_NONNEG = (
    "dependence",
    "critical_exposure",
    "recession_cost",
    "market_beta",
    "index_beta",
    "market_weight",
    "approval_price",
    "approval_market",
    "political_weight",
    "alliance_weight",
    "coalition_weight",
    "face_weight",
    "face_zero_cost",
    "resolve_weight",
    "reciprocity_weight",
    "control_strain",
    "crash_weight",
    "crash_threshold",
    "tie_value",
    "grievance_weight",
)


_NONNEG_SCALARS = (
    "adjust_days",
    "tie_erosion",
    "tie_rebuild_days",
    "grievance_days",
    "answer_scale",
    "bond_beta",
    "bond_weight",
)
_Range = tuple[float | None, float | None, bool, bool]
"""``(low, high, low_open, high_open)``: the bounds of a parameter (None: unbounded)."""

PARAM_MAGNITUDE = 1e50
"""Largest absolute value of any parameter :class:`Params` holds: the payoff terms multiply
up to three parameters (a crash cost squares the bond stress), which stays far inside the
float range below it; beyond, terms overflowed to infinities (a bond stress weight near
1e155 did). The values a user sets by name — parameter paths, scenario files' overrides,
ensembles' draws — have the tighter bound :data:`tariffsim.parampath.MAGNITUDE` (1e6); the
calibrated fields, solved for their targets, can exceed it (an approval slope of 7.8e6
where the US imports almost nothing from China)."""

WEIGHT_MAGNITUDE = 1e100
"""Largest absolute value of a term weight (:class:`PayoffModel`): the terms of parameters
within :data:`PARAM_MAGNITUDE` stay below about 1e150, so weighted totals stay finite. Wide
enough for any change of units (weights scaled by 2**40 play the same game)."""

PARAM_RANGES: dict[str, _Range] = {
    "elasticity": (0.0, None, True, False),
    "elasticity_short": (0.0, None, True, False),
    "reciprocity_reference": (0.0, None, True, False),
    "recession_slope": (0.0, None, True, False),
    "export_margin": (0.0, 1.0, False, False),
    "face_mutual_relief": (0.0, 1.0, False, False),
    "market_speed": (0.0, 1.0, True, False),
    "pass_through": (0.0, 1.0, False, False),
    # above 1 (a marginal cost of public funds) a tariff the buyers pay in full is a net gain,
    # and the calibration of the burden at 145% (recession odds, markets) no longer holds
    "revenue_weight": (0.0, 1.0, False, False),
    "recession_base": (0.0, 1.0, True, True),
    "approval_base": (0.0, 1.0, False, False),  # a share of the electorate
    **dict.fromkeys(_NONNEG_SCALARS + _NONNEG, (0.0, None, False, False)),
}
"""The range of every bounded field of :class:`Params`: what ``Params`` checks on
construction and what a parameter path's values (:mod:`tariffsim.parampath`: overrides,
drawn values) are checked against, one table for both."""


def _outside_range(a: ArrayLike, bounds: _Range) -> NDArray[np.bool_]:
    """Where the values ``a`` lie outside ``bounds`` (an array of ``a``'s shape)."""
    low, high, lo_open, hi_open = bounds
    a = np.asarray(a, dtype=float)
    bad = np.zeros(a.shape, dtype=bool)
    if low is not None:
        bad |= (a <= low) if lo_open else (a < low)
    if high is not None:
        bad |= (a >= high) if hi_open else (a > high)
    return bad


def _range_text(bounds: _Range) -> str:
    """``bounds`` as a rule: ``"> 0"``, ``">= 0"``, ``"in (0, 1]"``, ...

    >>> _range_text(PARAM_RANGES["market_speed"]), _range_text(PARAM_RANGES["elasticity"])
    ('in (0, 1]', '> 0')
    """
    low, high, lo_open, hi_open = bounds
    if high is None:
        return "any finite number" if low is None else f"{'>' if lo_open else '>='} {low:g}"
    if low is None:
        return f"{'<' if hi_open else '<='} {high:g}"
    return f"in {'(' if lo_open else '['}{low:g}, {high:g}{')' if hi_open else ']'}"


def _short_run_elasticity(cl: Any, long_run: float) -> float:
    """The impact import response: ``long_run`` times the short- to long-run ratio of
    the 2018 US tariffs (``trade_elasticity_dynamics_2018``, 1.4 / 3.7)."""
    short, long = cl["trade_elasticity_dynamics_2018"].values
    return float(long_run * short / long)


def _bond_beta(cl: Any) -> float:
    """Bond stress per index point of a fall: the April 2025 rise in the 10-year yield
    (``ust10y_april_2025``) over the S&P 500's fall from 2 to 8 April (``sp500_april_2025``)."""
    y0, y1 = cl["ust10y_april_2025"].values
    fall = -sum(x for x in cl["sp500_april_2025"].values[:4] if x < 0)
    return float((y1 - y0) / fall)


_APRIL_CALENDAR: tuple[tuple[str, str, tuple[tuple[float, str, int], ...]], ...] = (
    # days from 4 Feb 2025 (as _CALIBRATION_CALENDAR) and the claim value of each headline step
    ("US", "CN", ((0.0, "cal_2025_02_01", 2), (28.0, "cal_2025_03_03", 0), (57.0, "", 54),
                  (63.0, "cal_2025_04_08", 1))),
    ("CN", "US", ((6.0, "cn_targeted_2025", 0), (34.0, "cn_targeted_2025", 1), (59.0, "", 49))),
)  # fmt: skip
"""The US–China steps around the April 2025 announcement. A claim value index, or ``""`` with
the headline in percent (54 = fentanyl 20 + reciprocal 34, ``cal_2025_04_02``; 49 = China's
targeted 15 + 34 on all goods, ``cal_2025_04_08``)."""
APRIL_DATES = ("2025-04-02", "2025-04-07", "2025-04-08")
"""The days of :func:`april_2025_states`: before the announcement; China's market priced it
(and China's answer); the US's 104% on China announced."""
_APRIL_DAY = {"2025-04-02": 56.9, "2025-04-07": 62.0, "2025-04-08": 63.0}
_RECIPROCAL_PARTNERS = ("EU", "JP", "KR", "IN")  # reciprocal_rates_2025, in its order


def april_2025_states(world: World) -> dict[str, State]:
    """The states the markets priced around the 2 April 2025 announcement (the beta calibration).

    ``"2025-04-02"``: before it — the US's 20% fentanyl tariffs on China
    (``cal_2025_03_03``) and China's 15% targeted lists (``cn_targeted_2025``).
    ``"2025-04-07"``: the announcement priced — the US's 10% baseline on every
    partner but Canada and Mexico (``cal_2025_04_02``, which exempted them),
    the reciprocal rates on the EU, Japan, Korea and India on top
    (``reciprocal_rates_2025``), 54% in all on China — and China's 34% on all
    US goods (announced 4 April, ``cal_2025_04_08``). ``"2025-04-08"``: the
    US's 104% on China announced (``cal_2025_04_08``). Tariffs between other
    countries are zero: they are the same in every state, and a country's
    burden is a sum over its dyads, so they cancel in the falls the betas are
    solved on. Where the import response adjusts partially, ``adjust`` follows
    the 2025 calendar of steps (as :func:`calibration_state`).

    Parameters
    ----------
    world : World
        Must contain the US and China; the other partners the record names
        are used where the world has them.

    Returns
    -------
    dict of str to State
        Keyed by :data:`APRIL_DATES`.

    Raises
    ------
    UnknownNameError
        If the world lacks the US or China.

    Examples
    --------
    >>> w = ts.World.default()
    >>> s = ts.payoffs.april_2025_states(w)
    >>> [round(100 * float(s[d].tariff[w.index("US"), w.index("CN")])) for d in s]
    [20, 54, 104]
    """
    cl = load_claims()
    world.index("US"), world.index("CN")
    half = float(np.mean(cl["model_import_adjust_halflife"].values))
    baseline = cl["cal_2025_04_02"].values[0] / 100.0
    rates = dict(zip(_RECIPROCAL_PARTNERS, cl["reciprocal_rates_2025"].values, strict=True))
    steps: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for a, b, cal in _APRIL_CALENDAR:
        steps[(a, b)] = [(day, (cl[cid].values[k] if cid else k) / 100.0) for day, cid, k in cal]
    for c in world.codes:
        if c not in ("US", "CN", "CA", "MX"):
            steps[("US", c)] = [(57.0, baseline + rates.get(c, 0.0) / 100.0)]
    out = {}
    for date in APRIL_DATES:
        at = _APRIL_DAY[date]
        s = State.zeros(world.n)
        adjust = np.ones((world.n, world.n))
        for (a, b), path in steps.items():
            done = [(d, v) for d, v in path if d <= at]
            if not done:
                continue
            s = s.with_tariff(world, a, b, done[-1][1])
            adjust[world.index(a), world.index(b)] = adjust_along(done, at, half)
        out[date] = s.replace(adjust=adjust)
    return out


def _april_falls(cl: Any) -> tuple[float, float]:
    """The record's falls the betas are solved on, index % (positive = a fall).

    The S&P 500 from the 2 April close to the 8 April close (``sp500_april_2025``,
    3, 4, 7 and 8 April compounded) and the Shanghai Composite from 2 April to
    7 April (``shanghai_april_2025``, 3 and 7 April compounded).
    """

    def fall(cid: str, days: int) -> float:
        return 100.0 * (1.0 - float(np.prod(1.0 + np.asarray(cl[cid].values[:days]) / 100.0)))

    return fall("sp500_april_2025", 4), fall("shanghai_april_2025", 2)


def calibration_state(world: World) -> State:
    """The state the defaults are calibrated on: US→CN 145%, CN→US 125%, else 0.

    The levels come from claims ``us_tariff_cn_145`` and ``cn_tariff_us_125``:
    on layered dyads the US's 145% is fentanyl 20 + reciprocal 125, and
    China's 125% is its across-the-board ``counter`` layer, on top of which
    its February–March targeted lists stayed (``cn_targeted_2025``). The
    import response on the two dyads has adjusted only in part: ``adjust`` is
    what :func:`~tariffsim.dynamics.adjust_along` gives for the 2025 calendar
    of steps a week after the step to 145% (about 0.12 on US←CN and 0.10 on
    CN←US, with the half-life of ``model_import_adjust_halflife``).
    """
    cl = load_claims()
    s = State.zeros(world.n)
    for a, b, cid in _CALIBRATION_PATH:
        s = s.with_tariff(world, a, b, cl[cid].values[0] / 100.0)
    lays = {x.name: x for x in world.instruments.get(("CN", "US"), ())}
    if "counter" in lays:  # China's 125% on all US goods; its targeted lists stayed
        s = s.with_layer(world, "CN", "US", "counter", cl["cn_tariff_us_125"].values[0] / 100.0)
        if "targeted" in lays:
            s = s.with_layer(world, "CN", "US", "targeted", lays["targeted"].top)
    # trade had adjusted only in part: the 2025 calendar of steps, a week after the peak
    half = float(np.mean(cl["model_import_adjust_halflife"].values))
    adjust = np.ones((world.n, world.n))
    for a, b, steps in _CALIBRATION_CALENDAR:
        adjust[world.index(a), world.index(b)] = adjust_along(steps, _CALIBRATION_DAY, half)
    return s.replace(adjust=adjust)


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Breakdown:
    """Per-term payoffs and the indicators behind them, for a batch of states.

    Attributes
    ----------
    terms : mapping of str to ndarray (B, n)
        Unweighted value of each term in :data:`TERMS` (% of GDP).
    weights : ndarray (n_terms, n)
    total : ndarray (B, n)
        ``sum_k weights[k] * terms[k]``.
    burden : ndarray (B, n)
        Economic burden once trade has adjusted, % of GDP: minus the sum of
        :data:`ECONOMIC_TERMS` at the long-run elasticity (the terms in
        :attr:`terms` use the elasticity in force). What recession odds and
        the equity index read.
    recession : ndarray (B, n)
        12-month recession odds.
    drawdown : ndarray (B, n)
        Equity drawdown, index % below baseline.
    approval : ndarray (B, n)
        Government approval (fraction).
    equity, bond : ndarray (B, n)
        Equity index (% from baseline) and bond stress (yield points) after
        the round: the next state's ``equity`` and ``bond``.
    imports : ndarray (B, n, n)
        Imports after the trade response, USD bn.
    effective : ndarray (B, n, n)
        Effective tariffs.
    """

    terms: Mapping[str, Array]
    weights: Array
    total: Array
    burden: Array
    recession: Array
    drawdown: Array
    approval: Array
    imports_fn: Callable[[], Array] = field(repr=False)
    """Computes :attr:`imports` on first access (large batches rarely need it)."""
    effective_fn: Callable[[], Array] = field(repr=False)
    """Computes :attr:`effective` on first access."""
    equity: Array = None  # type: ignore[assignment]
    """Equity index after the round, % from baseline, shape (B, n) (:func:`equity_index`)."""
    bond: Array = None  # type: ignore[assignment]
    """Bond stress after the round, yield points, shape (B, n)."""
    market_burden: Array = None  # type: ignore[assignment]
    """The burden the market prices the state by (% of GDP, the market's model), (B, n)."""
    market_value: Array = None  # type: ignore[assignment]
    """The value the index prices that burden at, cushioned by policy support (index %,
    <= 0), (B, n): :math:`V` of :func:`equity_index`, from which the next round's mood is
    measured."""

    @cached_property
    def imports(self) -> Array:
        """Imports after the trade response, USD bn, shape (B, n, n)."""
        return self.imports_fn()

    @cached_property
    def effective(self) -> Array:
        """Effective tariffs, shape (B, n, n)."""
        return self.effective_fn()

    def weighted(self, term: str) -> Array:
        """The weighted contribution of ``term`` to :attr:`total`."""
        if term not in TERMS:
            raise UnknownNameError(f"unknown term {term!r}; terms: {', '.join(TERMS)}.")
        return self.weights[TERMS.index(term)] * self.terms[term]


@dataclass(frozen=True, eq=False)
class PayoffModel:
    """A weighted sum of the payoff terms for one world.

    Parameters
    ----------
    world : World
    params : Params, optional
        Default: ``Params.default(world)``.
    weights : array_like, shape (len(TERMS), n), optional
        Weight of each term for each country; default all ones.

    Examples
    --------
    >>> w = ts.World.default()
    >>> m = ts.PayoffModel(w)
    >>> bd = m.breakdown(ts.payoffs.calibration_state(w))
    >>> round(float(bd.recession[0, w.index("US")]), 2)
    0.6
    """

    world: World
    params: Params = None  # type: ignore[assignment]
    weights: Array = None  # type: ignore[assignment]
    market: Params | None = field(default=None, repr=False)
    """The model the markets price the equity index with (default: ``params``). A model
    of an agent's perceptions keeps the true one here: the agent believes what it
    believes about who pays, but the market it watches prices the truth."""
    round_days: float = REFERENCE_DAYS
    """Calendar days of a round, > 0: the market's mood fades per day
    (``Params.market_speed`` is stated per week). A :class:`~tariffsim.game.Game`
    sets it to its own ``round_days``."""
    active: Array = field(init=False, repr=False)
    """``active[i, j] = 1`` where ``i`` has a tariff ladder on ``j`` (can answer)."""

    def __post_init__(self) -> None:
        if not isinstance(self.world, World):
            raise ParameterError(f"`world` must be a World; got {short_repr(self.world)}.")
        if self.params is None:
            object.__setattr__(self, "params", Params.default(self.world))
        for name in ("params", "market"):
            p = getattr(self, name)
            if name == "market" and p is None:
                continue
            if not isinstance(p, Params):
                raise ParameterError(
                    f"`{name}` must be a Params (e.g. Params.default(world), or its "
                    f".replace(...)); got {short_repr(p)}."
                )
            if p.n != self.world.n:
                raise ParameterError(
                    f"`{name}` is for {p.n} countries; the world has {self.world.n}."
                )
        rd = as_real(self.round_days)
        if rd is None or not 0 < rd < np.inf:
            raise ParameterError(f"`round_days` must be a number > 0; got {self.round_days!r}.")
        object.__setattr__(self, "round_days", rd)
        if self.params.n != self.world.n:
            raise ParameterError(
                f"`params` is for {self.params.n} countries; the world has {self.world.n}."
            )
        shape = (len(TERMS), self.world.n)
        w = np.ones(shape) if self.weights is None else real_array(self.weights, "weights").copy()
        if w.shape != shape:
            raise ParameterError(
                f"`weights` must have shape {shape} (terms × countries); got shape {w.shape}."
            )
        if not np.all(np.isfinite(w)):
            raise ParameterError(f"`weights` must be finite; got {w[~np.isfinite(w)].flat[0]!r}.")
        if np.any(np.abs(w) > WEIGHT_MAGNITUDE):
            raise ParameterError(
                f"`weights` must be within ±{WEIGHT_MAGNITUDE:g} (beyond it the totals "
                f"overflow to infinities); got {float(w.flat[np.argmax(np.abs(w))])!r}."
            )
        w.flags.writeable = False
        object.__setattr__(self, "weights", w)
        active = np.zeros((self.world.n, self.world.n))
        for a, b in self.world.ladders:
            active[self.world.index(a), self.world.index(b)] = 1.0
        active.flags.writeable = False
        object.__setattr__(self, "active", active)

    def __repr__(self) -> str:
        return f"<PayoffModel {len(TERMS)} terms × {self.world.n} countries>"

    def _pretty_lines(self) -> list[str]:
        """The parameters by country and the term weights that are not 1."""
        lines = [f"{self!r} of {', '.join(self.world.codes)}", *self.params._pretty_lines(
            self.world.codes)]  # fmt: skip
        w = np.asarray(self.weights)
        for k, term in enumerate(TERMS):
            if not np.all(w[k] == 1.0):
                pairs = zip(self.world.codes, w[k], strict=True)
                lines.append(
                    f"  weight of {term}: " + ", ".join(f"{c} {float(x):g}" for c, x in pairs)
                )
        return lines

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """The parameters of a small world's model in full (IPython, hypothesis' failing
        examples); the one-line :func:`repr` beyond six countries."""
        p.text("\n".join(self._pretty_lines()) if self.world.n <= 6 else repr(self))

    def replace(self, **changes: Any) -> PayoffModel:
        """A copy with fields replaced (a name that is no field is a ``ParameterError``)."""
        return replaced(self, changes)

    def _with_params(self, params: Params) -> PayoffModel:
        """Internal: the same model with other (already validated) parameters.

        Skips re-validating the weights and rebuilding ``active``; returns
        ``self`` when ``params`` is already this model's.
        """
        if params is self.params:
            return self
        if params.n != self.world.n:
            raise ParameterError(
                f"`params` is for {params.n} countries; the world has {self.world.n}."
            )
        out = object.__new__(PayoffModel)
        for name in ("world", "weights", "active", "round_days"):
            object.__setattr__(out, name, getattr(self, name))
        object.__setattr__(out, "params", params)
        object.__setattr__(out, "market", self.market if self.market is not None else self.params)
        return out

    def with_weight(self, term: str, code: str, value: float) -> PayoffModel:
        """A copy with the weight of ``term`` for country ``code`` set."""
        if term not in TERMS:
            raise UnknownNameError(f"unknown term {term!r}; terms: {', '.join(TERMS)}.")
        w = np.array(self.weights)
        w[TERMS.index(term), self.world.index(code)] = finite_number(
            value, f"weight of {term} for {code}", finite=False
        )
        return self.replace(weights=w)

    def breakdown(
        self, state: State | StateBatch, prev: State | StateBatch | None = None
    ) -> Breakdown:
        """Every term for every country, for one state or a batch.

        Parameters
        ----------
        state : State or StateBatch
            The state(s) reached this round.
        prev : State or StateBatch, optional
            The state(s) before this round's moves (for face and resolve,
            and the grievances in force when cuts are made). Default: derived
            from ``state.moved`` (``prev.tariff = tariff - moved``), with no
            escalation pending from the round before, and ``state``'s own
            grievances.

        Returns
        -------
        Breakdown
            Arrays with a leading batch axis (of length 1 for a single state).
        """
        nxt = StateBatch.of(state)
        if nxt.n != self.world.n:
            raise ParameterError(f"`state` has {nxt.n} countries; the world has {self.world.n}.")
        if prev is None:
            prev_tau = None  # tariff - moved, computed where needed
            prev_moved = np.broadcast_to(0.0, nxt.tariff.shape)
            prev_control = nxt.control
            grievance = nxt.grievance
            prev_equity, prev_bond = nxt.equity, nxt.bond
            prev_support = None  # (the state is its own previous)
        else:
            pb = StateBatch.of(prev)
            if pb.n != self.world.n:
                raise ParameterError(f"`prev` has {pb.n} countries; the world has {self.world.n}.")
            if pb.tariff.shape[0] not in (1, nxt.tariff.shape[0]):
                raise ParameterError(
                    f"`prev` holds {pb.tariff.shape[0]} states; give one, or one for each of "
                    f"the {nxt.tariff.shape[0]} states of `state`."
                )
            prev_tau, prev_moved, prev_control = pb.tariff, pb.moved, pb.control
            grievance = pb.grievance
            prev_equity, prev_bond = pb.equity, pb.bond
            prev_support = pb.support
        return _evaluate(
            self.world,
            self.params,
            self.weights,
            self.active,
            nxt,
            prev_tau,
            prev_moved,
            prev_control,
            grievance,
            prev_equity,
            prev_bond,
            self.market,
            self.round_days,
            prev_support,
        )

    def payoff(self, state: State | StateBatch, prev: State | StateBatch | None = None) -> Array:
        """Total payoff per country, shape ``(B, n)`` (see :meth:`breakdown`)."""
        return self.breakdown(state, prev).total


def _evaluate(
    world: World,
    p: Params,
    weights: Array,
    active: Array,
    nxt: StateBatch,
    prev_tau: Array | None,
    prev_moved: Array,
    prev_control: Array | None = None,
    grievance: Array | None = None,
    prev_equity: Array | None = None,
    prev_bond: Array | None = None,
    market: Params | None = None,
    days: float = REFERENCE_DAYS,
    prev_support: Array | None = None,
) -> Breakdown:
    """Evaluate every term, on the countries the batch involves only (rounds of ``days``).

    ``prev_support``: the policy support of the previous state (``None``: this state's),
    which priced it.

    A country with no tariff or control set by or on it (in ``nxt`` or the
    previous state), no policy support and no shock anywhere in the batch has
    every term exactly zero and its indicators at baseline; the terms of the
    others do not depend on it except through alliance ties, which enter via
    ``W @ W`` computed over the whole world. So the batch is evaluated on the
    involved countries' sub-matrices and expanded — the same numbers (to
    rounding: the others' terms are exact zeros), far less work when a few of
    many countries move.
    """
    n = world.n
    two_step = world.ties @ world.ties
    seg_share, seg_mask = world.segments
    held, eroded = None, None
    if np.any(_distinct(nxt.tie_loss)):
        held = tie_held(nxt.tie_loss, world.ties)
        eroded = ties_in_force(nxt.tie_loss, world.ties)
    if grievance is not None and not np.any(_distinct(grievance)):
        grievance = None
    full_view = _WorldView(
        world.gdp, world.imports, world.exempt, world.ties, two_step, seg_share, seg_mask,
        world.decompose, _segment_rater(world, np.arange(n), seg_mask), days,
    )  # fmt: skip
    if len(nxt) * n * n < _RESTRICT_MIN_ENTRIES:  # small batch: slicing costs more than it saves
        dense_prev = nxt.tariff - nxt.moved if prev_tau is None else prev_tau
        return _evaluate_block(
            full_view, p, weights, active, nxt, dense_prev, prev_moved, prev_control, held,
            grievance, eroded, prev_equity=prev_equity, prev_bond=prev_bond, market=market,
            prev_market_support=prev_support,
        )  # fmt: skip
    involved = np.zeros(n, dtype=bool)
    for arr in (nxt.tariff, nxt.moved, prev_tau, prev_moved, nxt.control, prev_control):
        if arr is None:
            continue
        if arr.strides[0] == 0:  # broadcast over the batch: one slice says it all
            nz = arr[0] != 0
        else:
            nz = arr.any(axis=0)
        involved |= nz.any(axis=0) | nz.any(axis=1)
    for vec in (nxt.support, nxt.shock, held, prev_equity, prev_bond, prev_support):
        if vec is None:
            continue
        involved |= vec[0] != 0 if vec.strides[0] == 0 else vec.any(axis=0)
    if involved.all() or not involved.any():
        dense_prev = nxt.tariff - nxt.moved if prev_tau is None else prev_tau
        return _evaluate_block(
            full_view, p, weights, active, nxt, dense_prev, prev_moved, prev_control, held,
            grievance, eroded, prev_equity=prev_equity, prev_bond=prev_bond, market=market,
            prev_market_support=prev_support,
        )  # fmt: skip
    idx = np.flatnonzero(involved)
    ix = np.ix_(idx, idx)
    rows, cols = idx[:, None], idx[None, :]
    sub_mask = seg_mask[:, :, rows, cols]
    sub = _WorldView(
        world.gdp[idx], world.imports[ix], world.exempt[ix], world.ties[ix], two_step[ix],
        seg_share[:, rows, cols], sub_mask, world.splitter(idx),
        _segment_rater(world, idx, sub_mask), days,
    )  # fmt: skip
    sp = _slice_params(p, idx)

    def cut(a: Array | None) -> Array | None:
        if a is None:
            return None
        if a.strides[0] == 0:  # broadcast over the batch: slice once, broadcast again
            return np.broadcast_to(a[0][rows, cols], (a.shape[0], len(idx), len(idx)))
        return a[:, rows, cols]

    sn = StateBatch(
        tariff=cut(nxt.tariff),  # type: ignore[arg-type]
        control=cut(nxt.control),  # type: ignore[arg-type]
        peak=cut(nxt.peak),  # type: ignore[arg-type]
        moved=cut(nxt.moved),  # type: ignore[arg-type]
        support=nxt.support[:, idx],
        shock=nxt.shock[:, idx],
        layers=nxt.layers[..., rows, cols] if nxt.layers.shape[-3] else None,  # type: ignore[arg-type]
        equity=nxt.equity[:, idx],
        bond=nxt.bond[:, idx],
        adjust=cut(nxt.adjust),  # type: ignore[arg-type]
    )

    bd = _evaluate_block(
        sub, sp, weights[:, idx], active[ix], sn,
        sn.tariff - sn.moved if prev_tau is None else cut(prev_tau),  # type: ignore[arg-type]
        cut(prev_moved),  # type: ignore[arg-type]
        cut(prev_control),
        None if held is None else held[:, idx],
        cut(grievance),
        None if eroded is None else (eroded[0][:, rows, cols], eroded[1][:, rows, cols]),
        prev_equity=None if prev_equity is None else prev_equity[:, idx],
        prev_bond=None if prev_bond is None else prev_bond[:, idx],
        market=None if market is None else _slice_params(market, idx),
        prev_market_support=None if prev_support is None else prev_support[:, idx],
    )  # fmt: skip
    b = len(nxt)

    def expand(x: Array, fill: Array | float = 0.0) -> Array:
        out = np.empty((b, n))
        out[:] = fill
        out[:, idx] = x
        return out

    terms = {k: expand(v) for k, v in bd.terms.items()}

    def imports() -> Array:
        out = np.broadcast_to(world.imports, (b, n, n)).copy()
        out[:, rows, cols] = bd.imports
        return out

    return Breakdown(
        terms=terms,
        weights=weights,
        total=expand(bd.total),
        burden=expand(bd.burden),
        recession=expand(bd.recession, p.recession_base),
        drawdown=expand(bd.drawdown),
        approval=expand(bd.approval, p.approval_base),
        equity=expand(bd.equity),
        bond=expand(bd.bond),
        market_burden=expand(bd.market_burden),
        market_value=expand(bd.market_value),
        imports_fn=imports,
        effective_fn=lambda: effective_rate(
            nxt.layers if nxt.layers.shape[-3] else world.decompose(nxt.tariff), seg_share, seg_mask
        ),
    )


_RESTRICT_MIN_ENTRIES = 20_000
"""Batches with fewer state entries than this are evaluated densely."""


@dataclass(frozen=True)
class _WorldView:
    """The arrays of a world (or of some of its countries) the terms read."""

    gdp: Array
    imports: Array
    exempt: Array
    ties: Array
    two_step: Array
    seg_share: Array
    seg_mask: Array
    split: Callable[[Array], Array]
    rates: Callable[[Array], Array] | None = None
    """Segment rates ``(..., K, k, k)`` straight from headline tariffs (:func:`_segment_rater`);
    None: split into layers, then :func:`segment_rates`."""
    days: float = REFERENCE_DAYS
    """Calendar days of the round the block prices (the market's mood fades per day)."""

    @cached_property
    def m0_seg(self) -> Array:
        """Baseline imports per segment ``seg_share * imports``, ``(K, k, k)`` (read-only)."""
        return _ro_array(self.seg_share * self.imports)

    @cached_property
    def m0_rest(self) -> Array:
        """Baseline imports no segment holds, ``imports * (1 - seg_share.sum(0))`` (read-only)."""
        return _ro_array(self.imports * (1.0 - self.seg_share.sum(axis=0)))

    @classmethod
    def of(
        cls, world: World, idx: NDArray[np.intp] | None = None, *, days: float = REFERENCE_DAYS
    ) -> _WorldView:
        """The view of ``world`` on countries ``idx`` (default all), for rounds of ``days``."""
        idx = np.arange(world.n) if idx is None else np.asarray(idx)
        ix = np.ix_(idx, idx)
        rows, cols = idx[:, None], idx[None, :]
        share, mask = world.segments
        two_step = world.ties @ world.ties
        sub_mask = mask[:, :, rows, cols]
        return cls(
            world.gdp[idx], world.imports[ix], world.exempt[ix], world.ties[ix], two_step[ix],
            share[:, rows, cols], sub_mask, world.splitter(idx),
            _segment_rater(world, idx, sub_mask), float(days),
        )  # fmt: skip


def _segment_plan(
    world: World, idx: NDArray[np.intp], mask: Array
) -> list[tuple[int, int, list[float], list[list[int]]]]:
    """Per involved dyad with instruments: ``(i, j, tops, seg)``.

    ``i, j`` its positions among countries ``idx``, ``tops`` its layers' tops in
    escalation order and ``seg[K]`` the layers (positions in that order) that hit
    segment ``K`` under the view's segment mask ``mask`` ``(K, L, k, k)``, in layer
    order. What :func:`_segment_rater` (and the compiled decision kernel) fill
    the segment rates from.
    """
    names = world.layer_names
    pos = {int(c): k for k, c in enumerate(np.asarray(idx).ravel().tolist())}
    plan = []
    for (a, b), lays in world.instruments.items():
        i, j = pos.get(world.index(a)), pos.get(world.index(b))
        if i is None or j is None:
            continue
        rows = [names.index(x.name) for x in lays]
        seg = [
            [m for _, m in sorted((row, m) for m, row in enumerate(rows) if mask[kk, row, i, j])]
            for kk in range(mask.shape[0])
        ]
        plan.append((i, j, [float(x.top) for x in lays], seg))
    return plan


def _segment_rater(world: World, idx: NDArray[np.intp], mask: Array) -> _SegmentRater:
    """``segment_rates(world.splitter(idx)(tau), mask)`` without building the layers.

    ``mask`` is the view's ``(K, L, k, k)`` segment mask. A dyad without
    instruments carries its headline in the generic layer (row 0), so its
    rate on segment ``K`` is ``mask[K, 0] * tau``; a dyad with instruments
    fills its layers in escalation order (as :meth:`World.splitter`) and
    each segment adds the layers that hit it, in layer order. Every product
    with the 0/1 mask is exact and the others are exact zeros, so the rates
    are those of the layer route to the last bit.
    """
    return _SegmentRater(np.array(mask[:, 0]), _segment_plan(world, idx, mask))


class _SegmentRater:
    """Segment rates ``(..., K, k, k)`` of headline tariffs (see :func:`_segment_rater`).

    ``base`` is the generic layer's row of the segment mask ``(K, k, k)`` and
    ``plan`` the layer plan of :func:`_segment_plan` (also read by the
    compiled kernels, which fill the same rates entry by entry).
    """

    __slots__ = ("base", "plan")

    def __init__(self, base: Array, plan: list[tuple[int, int, list[float], list[list[int]]]]):
        self.base = base
        self.plan = plan

    def __call__(self, tau: Array) -> Array:
        out: Array = self.base * tau[..., None, :, :]
        for i, j, tops, seg in self.plan:
            rest = tau[..., i, j]
            takes = []
            for m, top in enumerate(tops):
                take = rest if m == len(tops) - 1 else np.minimum(rest, top)
                takes.append(take)
                rest = rest - take
            for kk, ms in enumerate(seg):
                if not ms:
                    out[..., kk, i, j] = 0.0
                    continue
                acc = takes[ms[0]]
                for m in ms[1:]:
                    acc = acc + takes[m]
                out[..., kk, i, j] = acc
        return out


def _slice_params(p: Params, idx: NDArray[np.intp]) -> Params:
    """``p`` restricted to countries ``idx`` (no re-validation: a view for evaluation)."""
    out = object.__new__(Params)
    ix = np.ix_(idx, idx)
    for f in dataclasses.fields(Params):
        v = getattr(p, f.name)
        if isinstance(v, np.ndarray) and v.ndim == 2:
            v = v[ix]
        elif isinstance(v, np.ndarray) and v.ndim == 1:
            v = v[idx]
        object.__setattr__(out, f.name, v)
    return out


def _distinct(a: Array) -> Array:
    """``a`` without the leading axes it is only broadcast along (for cheap any/all checks)."""
    a = np.asarray(a)
    while a.ndim > 2 and a.strides[0] == 0:
        a = a[0]
    return a


def elasticity_in_force(p: Params, adjust: Array, *, batched: bool = False) -> Any:
    r"""Import-demand elasticity on each dyad given the adjustment state.

    :math:`s_{ij} = s^{SR} + (s^{LR} - s^{SR})\,a_{ij}` with ``s^{SR}`` =
    ``p.elasticity_short``, ``s^{LR}`` = ``p.elasticity`` and ``a`` the
    state's ``adjust`` (:func:`tariffsim.dynamics.adjust_step`). Returns the
    scalar ``p.elasticity`` when every dyad is fully adjusted or the two
    elasticities are equal (the static model), else an array shaped like
    ``adjust`` (with ``p``'s leading run axes). ``batched=True`` (the engine)
    never takes the all-adjusted shortcut, so that a run's numbers do not
    depend on the other runs of its batch.

    The realised trade terms (``tariff_pain``, ``revenue``, ``retaliation``,
    imports, price pain in approval) use this elasticity. What looks ahead
    reads the long-run ``p.elasticity`` instead: the burden behind recession
    odds and the equity index (:attr:`Breakdown.burden`) and the value of
    an answer in ``resolve`` (:func:`unanswered_harm`).

    Examples
    --------
    >>> w = ts.World.default(); p = ts.Params.default(w)
    >>> s = ts.payoffs.elasticity_in_force(p, np.zeros((1, w.n, w.n)))
    >>> round(float(s[0, 0, 1]), 3), ts.payoffs.elasticity_in_force(p, np.ones((1, w.n, w.n)))
    (0.946, 2.5)
    """
    s_lr, s_sr = p.elasticity, p.elasticity_short
    if np.array_equal(s_lr, s_sr) or (not batched and bool(np.all(_distinct(adjust) == 1.0))):
        return s_lr
    return np.where(adjust == 1.0, s_lr, s_sr + (np.asarray(s_lr) - s_sr) * adjust)


def _adjusting(p: Params, el: Any) -> bool:
    """Whether the elasticity in force ``el`` differs from the long-run one (partial adjustment)."""
    return not (el is p.elasticity or np.array_equal(p.elasticity, p.elasticity_short))


def _seg(x: Any, *, dyad: bool = True) -> Any:
    """A parameter with the trade terms' segment axis inserted before its country axes.

    Per-run parameters carry leading run axes (per-dyad ``(R, 1, n, n)``,
    per-country ``(R, 1, n)``, scalars ``(R, 1, 1, 1)``); the segment axis
    ``K`` sits just before the country axes, so such arrays gain a length-1
    axis there. Plain ``(n, n)``/``(n,)`` arrays and scalars broadcast as they are.
    """
    a = np.asarray(x)
    if dyad:
        return a[..., None, :, :] if a.ndim >= 3 else x
    return a[..., None, :] if a.ndim >= 2 else x


_ROWS_MEMO: dict[int, tuple[Array, list[NDArray[np.intp] | None]]] = {}
""":func:`_segment_rows` of read-only arrays (kept alive, so ``id`` identifies them)."""


def _ro_array(a: Array) -> Array:
    a.flags.writeable = False
    return a


def _segment_rows(m0_seg: Array) -> list[NDArray[np.intp] | None]:
    memo = not m0_seg.flags.writeable
    hit = _ROWS_MEMO.get(id(m0_seg)) if memo else None
    if hit is not None and hit[0] is m0_seg:
        return hit[1]
    out = _segment_rows_of(m0_seg)
    if memo:
        if len(_ROWS_MEMO) > 64:
            _ROWS_MEMO.clear()
        _ROWS_MEMO[id(m0_seg)] = (m0_seg, out)
    return out


def _segment_rows_of(m0_seg: Array) -> list[NDArray[np.intp] | None]:
    """Per segment, the importers (rows) it holds trade of; None for every row.

    Segment 0 is evaluated on every dyad; a further segment only on the rows
    with baseline trade in it — elsewhere its imports are zero, and so is its
    contribution to every trade term (an importer's terms depend on its own
    row only; retaliation and flows add rows up).
    """
    n = m0_seg.shape[-2]
    out: list[NDArray[np.intp] | None] = [None]
    for kk in range(1, m0_seg.shape[0]):
        rows = np.flatnonzero(m0_seg[kk].any(axis=1))
        out.append(None if rows.size == n else rows)
    return out


def _segment_flows(m0_seg: Array, r: Array, pt: Any, el: Any) -> Array:
    """``trade_response(m0_seg, r, pt, el).sum(axis=-3)`` on the segments' rows only.

    The segments are added in order, as ``sum`` does, so the flows are those
    of the full grid to the last bit. With numba, the compiled kernel
    computes them (:mod:`tariffsim._trade_kernel`).
    """
    if _trade_kernel.ENABLED:
        return _trade_kernel.trade_terms(r, m0_seg, None, pt, el, 1.0, 0.0, 0.0, terms=False)[3]
    flows: Array | None = None
    for kk, rows in enumerate(_segment_rows(m0_seg)):
        if rows is not None and not rows.size:
            continue
        if rows is None:
            m = trade_response(m0_seg[kk : kk + 1], r[..., kk : kk + 1, :, :], pt, el)[..., 0, :, :]
            flows = m if flows is None else flows + m
        else:
            m = trade_response(
                m0_seg[kk : kk + 1, rows], r[..., kk : kk + 1, rows, :],
                _rows_of(pt, rows, dyad=True), _rows_of(el, rows, dyad=True),
            )[..., 0, :, :]  # fmt: skip
            assert flows is not None
            flows = flows.copy()
            flows[..., rows, :] = flows[..., rows, :] + m
    assert flows is not None
    return flows


def _trade_terms(
    p: Params, r: Array, m0_seg: Array, gdp: Array, pt: Any, el: Any
) -> tuple[Array, Array, Array, Array]:
    """``tariff_pain``, ``revenue``, ``retaliation`` per country and imports per dyad.

    ``r`` holds the rates ``(..., K, n, n)`` and ``m0_seg`` the baseline
    imports per segment ``(K, n, n)``; the terms are summed over segments,
    the imports ``(..., n, n)`` too. Further segments are evaluated on the
    rows that hold their trade only (:func:`_segment_rows`). The sums run in
    the same order as over the full grid, so the numbers are those of the
    full grid to the last bit (up to the sign of a zero). ``pt`` and ``el`` are
    the pass-through and the elasticity in force, with the segment axis
    (:func:`_seg`). With numba, the compiled kernel computes them
    (:mod:`tariffsim._trade_kernel`: the same sums, every entry by the same
    scalar code whatever the batch; to about 1e-12 relative of this path).
    """
    dep, margin = _seg(p.dependence), _seg(p.export_margin)
    weight = _seg(p.revenue_weight, dyad=False)
    if _trade_kernel.ENABLED:
        return _trade_kernel.trade_terms(r, m0_seg, gdp, pt, el, dep, margin, weight)
    n = m0_seg.shape[-1]
    pain: Array | float = 0.0
    rev: Array | float = 0.0
    ret: Array | float = 0.0
    flows: Array | None = None
    for kk, rows in enumerate(_segment_rows(m0_seg)):
        if rows is not None and not rows.size:
            continue
        if rows is None:
            m0_k, r_k = m0_seg[kk : kk + 1], r[..., kk : kk + 1, :, :]
            pt_k, dep_k, w_k, g_k = pt, dep, weight, gdp
        else:
            m0_k, r_k = m0_seg[kk : kk + 1, rows], r[..., kk : kk + 1, rows, :]
            pt_k, dep_k = _rows_of(pt, rows, dyad=True), _rows_of(dep, rows, dyad=True)
            w_k, g_k = _rows_of(weight, rows, dyad=False), gdp[rows]
        el_k = el if rows is None else _rows_of(el, rows, dyad=True)
        pt1 = 1.0 + pt_k * r_k  # as trade_response and tariff_pain compute it
        m_k = m0_k * _power(pt1, -el_k)
        pain_k = _pain_of(m0_k, pt1, el_k, dep_k, g_k)[..., 0, :]
        rev_k = tariff_revenue(m_k, r_k, w_k, g_k)[..., 0, :]
        ret_k = retaliation_loss(m0_k, m_k, r_k, pt_k, margin, gdp)[..., 0, :]
        if rows is None:
            flows = m_k[..., 0, :, :] if flows is None else flows + m_k[..., 0, :, :]
        else:
            pain_k, rev_k = _scatter(pain_k, rows, n), _scatter(rev_k, rows, n)
            assert flows is not None
            flows = flows.copy()
            flows[..., rows, :] = flows[..., rows, :] + m_k[..., 0, :, :]
        pain, rev, ret = pain + pain_k, rev + rev_k, ret + ret_k
    assert flows is not None
    return np.asarray(pain), np.asarray(rev), np.asarray(ret), flows


def _rows_of(x: Any, rows: NDArray[np.intp], *, dyad: bool) -> Any:
    """Importer rows ``rows`` of a (segment-axis) parameter.

    Scalars, and arrays that broadcast along the importer axis (length 1
    there), are returned as they are.
    """
    a = np.asarray(x)
    if dyad:
        return a[..., rows, :] if a.ndim >= 2 and a.shape[-2] > 1 else x
    return a[..., rows] if a.ndim >= 1 and a.shape[-1] > 1 else x


def _scatter(x: Array, rows: NDArray[np.intp], n: int) -> Array:
    """Per-row values ``(..., len(rows))`` placed into zeros ``(..., n)``."""
    out = np.zeros((*x.shape[:-1], n))
    out[..., rows] = x
    return out


def _evaluate_block(
    world: _WorldView,
    p: Params,
    weights: Array,
    active: Array,
    nxt: StateBatch,
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
    prev_market_support: Array | None = None,
) -> Breakdown:
    """Every term on one block of countries.

    ``tie_held`` ``(..., k)`` is each country's tie lost (:func:`~tariffsim.dynamics.tie_held`,
    over the whole world); ``grievance`` ``(..., k, k)`` the grievances in force
    when this round's cuts are made; ``ties`` the eroded ties in force and
    their two-step sums (:func:`~tariffsim.dynamics.ties_in_force`, restricted
    to the block) in place of the world's table. ``None``: none.
    ``prev_market_value``: the value the market priced the previous state at
    (:attr:`Breakdown.market_value`), from which the mood carried over is measured;
    ``None``: the value of the previous tariffs' burden with ``prev_market_support``
    (the previous state's support; ``None``: this state's). New support is priced at
    once, not netted out of the mood.
    """
    gdp = world.gdp
    m0 = world.imports
    tau = nxt.tariff
    r = _candidate_rates(world, nxt)  # (..., K, n, n)
    m0_seg = world.m0_seg  # (K, n, n): seg_share * m0
    pt, el = _trade_inputs(p, nxt, batched=ties is not None)
    pain, rev, ret, flows = _trade_terms(p, r, m0_seg, gdp, pt, el)
    dep = dependence_loss(nxt.control, p.critical_exposure)
    burden = -(pain + rev + ret + dep)
    # forecasts and prices look ahead: the burden once trade has adjusted (long-run response)
    el_ahead: Any = el
    ahead, flows_ahead = burden, flows
    if _adjusting(p, el):
        el_ahead = _seg(p.elasticity)
        pain_a, rev_a, ret_a, flows_ahead = _trade_terms(p, r, m0_seg, gdp, pt, el_ahead)
        ahead = -(pain_a + rev_a + ret_a + dep)
    prec = recession_odds(ahead, p.recession_base, p.recession_slope)
    rec = -(prec - p.recession_base) * p.recession_cost
    dd = market_drawdown(ahead, p.market_beta, nxt.support, p.support_effect, nxt.shock)
    mkt = -p.market_weight * dd
    # the equity index and bond stress, priced by the market's model (default: this one)
    mp = p if market is None else market
    crash_on = bool(np.any(p.crash_weight))
    b_mkt = ahead
    el_mkt: Any = None
    if mp is not p:
        el_mkt = _seg(mp.elasticity)
    if mp is not p and crash_on:
        b_mkt = _burden_of(world, mp, r, m0_seg, nxt.control, el_mkt)
    zeros = np.zeros(np.shape(burden)[-1])
    prev_priced: Array | float = 0.0
    if prev_equity is None:
        prev_equity = zeros  # no previous state: no mood carried over
    elif np.any(prev_equity):  # the value the previous state priced, to carry the mood
        if prev_market_value is not None:
            prev_priced = prev_market_value
        else:
            b_prev = _burden_of(
                world, mp, _rates_of(world, prev_tau), m0_seg,
                nxt.control if prev_control is None else prev_control,
                el_ahead if mp is p else el_mkt,
            )  # fmt: skip
            s_prev = nxt.support if prev_market_support is None else prev_market_support
            prev_priced = priced_value(b_prev, mp.index_beta, s_prev, mp.support_effect)
    eq, bond = equity_index(
        b_mkt, mp.index_beta, nxt.support, mp.support_effect, nxt.shock, prev_equity,
        zeros if prev_bond is None else prev_bond, per_time(mp.market_speed, world.days),
        mp.bond_beta, prev_priced,
    )  # fmt: skip
    if crash_on:
        mkt = mkt - crash_cost(eq, bond, p.crash_weight, p.crash_threshold, p.bond_weight)
    appr = approval_rating(p.approval_base, p.approval_price, p.approval_market, -pain, dd)
    pol = p.political_weight * (appr - p.approval_base) * 100.0
    w_ties, w_two = (world.ties, world.two_step) if ties is None else ties
    ally = -p.alliance_weight * alliance_strain(tau, w_ties, w_two)
    ally = ally - p.control_strain * _sum_last(nxt.control)
    if tie_held is not None:
        ally = ally - p.tie_value * tie_held
    coal = p.coalition_weight * coalition_gain(tau, w_ties)
    face = -face_cost(
        prev_tau, tau, nxt.peak, p.face_weight, p.face_mutual_relief, p.face_zero_cost, prev_moved
    )
    res = -p.resolve_weight * resolve_cost(prev_tau, tau, prev_moved, nxt.peak)
    if np.any(prev_moved > 0):
        # an escalation left unanswered, valued by the damage and deterrence an answer buys
        def bite_at(t: Array) -> Array:
            if world.seg_share.shape[0] == 1:
                rates = t[..., None, :, :]
            elif world.rates is not None:
                rates = world.rates(t)
            else:
                rates = segment_rates(world.split(t), world.seg_mask)
            m = _segment_flows(m0_seg, rates, pt, el_ahead)
            return trade_bite(world.m0_rest + m, m0)

        # what an answer does and what is left to protect, once trade has adjusted
        mirror = prev_tau + np.maximum(np.swapaxes(prev_moved, -1, -2), 0.0)
        now_flows = world.m0_rest + flows_ahead
        left = unanswered_harm(
            tau - prev_tau,
            bite_at(mirror) - bite_at(prev_tau),
            prev_moved,
            active,
            np.swapaxes(1.0 - trade_bite(now_flows, m0), -1, -2),
            p.answer_scale,
        )
        res = res - p.resolve_weight * left
    if grievance is not None:
        res = res - p.grievance_weight * _sum_last(np.maximum(prev_tau - tau, 0.0) * grievance)
    if prev_control is not None and np.any(prev_control != nxt.control):
        c_face, c_res = control_easing_cost(
            prev_control, nxt.control, tau - prev_tau, prev_moved, p.face_mutual_relief
        )
        face = face - (p.face_weight * c_face + p.face_zero_cost * _eliminated(prev_control, nxt))
        res = res - p.resolve_weight * c_res
    recip = -p.reciprocity_weight * reciprocity_shortfall(tau, p.reciprocity_reference, active)
    terms = dict(
        zip(TERMS, (pain, rev, ret, dep, rec, mkt, pol, ally, coal, face, res, recip), strict=True)
    )
    total = np.zeros_like(pain)
    for k, name in enumerate(TERMS):
        add = weights[k] * terms[name]
        if np.broadcast_shapes(total.shape, add.shape) == total.shape:
            total += add  # in place: the same sums
        else:
            total = total + add
    return Breakdown(
        terms=terms,
        weights=weights,
        total=total,
        burden=ahead,
        recession=prec,
        drawdown=dd,
        approval=appr,
        imports_fn=lambda: world.m0_rest + flows,
        effective_fn=lambda: (world.seg_share * r).sum(axis=-3),
        equity=np.broadcast_to(eq, np.shape(burden)),
        bond=np.broadcast_to(bond, np.shape(burden)),
        market_burden=np.broadcast_to(b_mkt, np.shape(burden)),
        market_value=np.broadcast_to(
            priced_value(b_mkt, mp.index_beta, nxt.support, mp.support_effect), np.shape(burden)
        ),
    )


def _candidate_rates(world: _WorldView, nxt: StateBatch) -> Array:
    """Segment rates ``(..., K, k, k)`` of the states ``nxt`` in a view (their layers if given)."""
    if world.seg_share.shape[0] == 1:
        return nxt.tariff[..., None, :, :]  # one segment: every layer hits it
    if world.rates is not None and not nxt.layers.shape[-3]:
        return world.rates(nxt.tariff)  # as the layer route below
    lay = nxt.layers if nxt.layers.shape[-3] else world.split(nxt.tariff)
    return segment_rates(lay, world.seg_mask)


def _trade_inputs(p: Params, nxt: StateBatch, *, batched: bool) -> tuple[Any, Any]:
    """The pass-through and the elasticity in force, with the segment axis (:func:`_seg`)."""
    return _seg(p.pass_through), _seg(elasticity_in_force(p, nxt.adjust, batched=batched))


def _rates_of(world: _WorldView, t: Array) -> Array:
    """Segment rates ``(..., K, k, k)`` of headline tariffs ``t`` in a view."""
    if world.seg_share.shape[0] == 1:
        return t[..., None, :, :]
    if world.rates is not None:
        return world.rates(t)
    return segment_rates(world.split(t), world.seg_mask)


def _burden_of(
    world: _WorldView, p: Params, r: Array, m0_seg: Array, control: Array, el: Any
) -> Array:
    """The economic burden of segment rates ``r`` under parameters ``p`` (the market's view).

    ``el`` is the elasticity in force, with the segment axis (as in the block).
    """
    pain, rev, ret, _ = _trade_terms(p, r, m0_seg, world.gdp, _seg(p.pass_through), el)
    dep = dependence_loss(control, p.critical_exposure)
    return -(pain + rev + ret + dep)
