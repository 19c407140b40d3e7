r"""Parameter draws for ensembles: from distributions given by the user, or from the claims' ranges.

``vary`` (see :func:`tariffsim.ensemble`) is either

- a mapping ``{parameter path: Distribution or array of R values}`` — each
  path (:mod:`tariffsim.parampath`) gets its own random stream, keyed by the
  ensemble seed and the path's name, so adding or removing one varied
  parameter never changes the draws of another. Before drawing, a
  distribution's range of draws
  (:func:`~tariffsim.analysis.distributions.draw_range`) must lie in the
  parameter's range, so that no draw can fall outside it whatever ``runs``
  and ``seed``: ``Normal(1, 2)`` is refused for ``elasticity`` (> 0),
  ``Normal(2.5, 0.1)`` accepted (its draws stay within 2.5 ± 8.21 × 0.1); or
- ``"claims"``: every claim whose data carries a ``range`` (``[low, high]`` in
  the claim's unit; :attr:`tariffsim.claims.Claim.range`) and that maps to a
  parameter of the game defines a distribution. The list below is the
  whole mapping, :data:`CLAIM_PARAMETERS` (a test checks that every claim
  with a range appears in it or in :data:`RANGES_NOT_PARAMETERS`):

  - ``us_recession_baseline`` (15–30 %, uniform): ``recession_base.US`` = x / 100;
  - ``us_recession_odds_forecasters`` (45–65 %, triangular with mode 60 from
    ``us_recession_odds_60``): the target of the calibration, US odds at the
    calibration state (US 145 %, China 125 %) = x / 100;
  - ``us_approval_feb2025`` (45–48 %, uniform): ``approval_base.US`` = x / 100;
  - ``approval_39_45`` (39–45 %, uniform): the target of the calibration, US
    approval at the calibration state = x / 100 (at most the baseline);
  - ``pass_through_border_2018`` (0.9–1, triangular with mode 1):
    ``pass_through.US.j`` = x for every ``j`` the US has a tariff ladder on.

  Each run is then calibrated as :meth:`tariffsim.payoffs.Params.default` is,
  with the drawn numbers: the calibrated fields
  (:data:`~tariffsim.payoffs.CALIBRATED_FIELDS`) are re-solved under the run's
  true parameters by :func:`recalibrated_overrides` — the rule and arithmetic
  of ``with_params`` — with the drawn odds and approval as targets in place of
  the articles' 60 % and 42 %. With :math:`B` and :math:`P` the US burden and
  price pain at the calibration state, :math:`b` the run's baseline odds and
  :math:`a_0` its baseline approval, :math:`D^*` the record's drawdown there
  (``model_market_drawdown_145``) and :math:`\Delta B` the burden the April
  2025 tariffs added, priced at the record's falls :math:`F`,

  .. math::

     \text{recession\_slope} = \frac{\operatorname{logit}(x) - \operatorname{logit}(b)}{B},
     \quad
     \text{market\_beta} = \frac{D^*}{B},
     \quad
     \text{index\_beta} = \frac{F}{\Delta B},
     \quad
     \text{approval\_price} = \frac{a_0 - y}{2P},\quad
     \text{approval\_market} = \frac{a_0 - y}{2D^*}.

Truth and beliefs: a drawn parameter sets the truth and every agent's
perceived value (a plain path), except where some agent of the scenario
believes something other than the truth about it (the US believing China
pays the tariff): then only the truth is drawn (``"truth:"`` path) and the
agents keep their beliefs — and learn toward the drawn truth where they learn.

A what-if: for a scenario made with
:meth:`~tariffsim.scenario.Scenario.with_params`, a claim that would set a
parameter the what-if set (:func:`claims_held`; ``pass_through`` set, and the
border pass-through claim drawing ``pass_through.US.CN``) is not drawn at
all, so that the value the user chose holds in every run and the
recalibrations of the other claims use it; :func:`tariffsim.ensemble` warns
(:class:`~tariffsim.errors.WhatIfHeldWarning`) naming each claim left out.
A what-if of ``belief:`` paths only leaves the truth free, and the claims
draw it.

Draws are made up front, before any run, from the ensemble seed only, so
they do not depend on the chunking or the executor.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._util import real_array, short_repr
from ..claims import load_claims
from ..errors import ParameterError, TariffsimError, UnknownNameError
from .distributions import Distribution, Triangular, Uniform, _Quantiles, draw_range

if TYPE_CHECKING:
    from ..game import Game
    from ..parampath import ParamPath

__all__ = [
    "CLAIM_PARAMETERS",
    "RANGES_NOT_PARAMETERS",
    "ClaimDraw",
    "claim_distributions",
    "claim_overrides",
    "claim_paths",
    "claims_held",
    "draw",
    "draws_from_claims",
    "overrides_from_claims",
    "warn_claims_held",
]

Array = NDArray[np.float64]
_DRAWS_TAG = 0x76617279  # "vary": separates the draws' streams from the runs' seeds

CLAIM_PARAMETERS: dict[str, str] = {
    "us_recession_baseline": "recession_base.US = x/100",
    "us_recession_odds_forecasters": "calibration target: US odds x/100 at 145/125",
    "us_approval_feb2025": "approval_base.US = x/100",
    "approval_39_45": "calibration target: US approval x/100 at 145/125",
    "pass_through_border_2018": "pass_through.US.j = x for every US tariff ladder",
}
"""Claims whose range defines a distribution under ``vary="claims"``, and how it maps (every
calibrated field is then re-solved for the run's values and targets)."""

RANGES_NOT_PARAMETERS: dict[str, str] = {}
"""Claims that carry a range but set no parameter (with the reason)."""

_MODE_FROM = {
    "us_recession_odds_forecasters": "us_recession_odds_60",
    "pass_through_border_2018": "pass_through_border_2018",
}


@dataclass(frozen=True)
class ClaimDraw:
    """One claim's range as a distribution (values in the claim's unit)."""

    claim: str
    distribution: Distribution
    rule: str


def _stream(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), _DRAWS_TAG, zlib.crc32(key.encode())])
    )


def draw(
    vary: Mapping[str, Any], runs: int, seed: int
) -> tuple[dict[str, Array], dict[str, Distribution]]:
    """Draw ``runs`` values per path of a ``vary`` mapping.

    Parameters
    ----------
    vary : mapping of str to Distribution or array_like (R,)
        An array gives the values as they are.
    runs : int
    seed : int
        Ensemble seed; path ``p`` draws from ``SeedSequence([seed, TAG, crc32(p)])``.

    Returns
    -------
    draws : dict of str to ndarray (R,)
    distributions : dict of str to Distribution
        The paths that were drawn (not given as arrays).

    Raises
    ------
    ParameterError
        For a value that is neither a distribution nor R numbers; for a
        distribution that can draw outside the parameter's range (its
        :func:`~tariffsim.analysis.distributions.draw_range`, or for another
        distribution than this package's its ``support``, is checked before
        drawing, so whether it is refused does not depend on ``runs`` or
        ``seed``); for draws or values that are not finite or outside the
        range (naming the run).

    Examples
    --------
    >>> from tariffsim.analysis.distributions import Uniform
    >>> d, _ = draw({"noise": Uniform(0.0, 0.1)}, 3, seed=0)
    >>> d["noise"].shape
    (3,)
    """
    from ..parampath import check_disjoint, parse, validate_values

    out: dict[str, Array] = {}
    dists: dict[str, Distribution] = {}
    for given in vary:
        if not isinstance(given, str):
            raise ParameterError(f"`vary`: keys must be parameter paths; got {given!r}.")
    try:
        check_disjoint(vary, "vary")  # each value set by one path: no run keeps a draw of two
        for given in vary:
            parse(given)
    except UnknownNameError as exc:
        import difflib

        near = [g for g in vary if difflib.get_close_matches(g, ["claims"], n=1, cutoff=0.7)]
        if not near:
            raise
        raise UnknownNameError(
            f"{str(exc).rstrip('.')}. (The key {near[0]!r}: did you mean 'claims', which draws "
            "every claim with a range beside the paths: vary={'claims': True, ...}?)"
        ) from None
    for given, spec in vary.items():
        pp = parse(given)
        path = pp.text  # one spelling, one stream: "US-CN" draws as "US.CN"
        if isinstance(spec, type):
            raise ParameterError(
                f"`vary[{given!r}]` is the class {spec.__name__}; give an instance, e.g. "
                f"{spec.__name__}(...) with its parameters."
            )
        try:  # (a runtime protocol's check reads the attributes: a property may raise)
            is_dist = isinstance(spec, Distribution)
        except TariffsimError:
            raise
        except Exception as exc:
            raise ParameterError(
                f"`vary[{given!r}]`: reading {short_repr(spec)}'s `support`, `ppf` and `sample` "
                f"raised {type(exc).__name__}: {exc}"
            ) from exc
        if is_dist:
            _check_draw_range(pp, spec)  # before drawing: the same whatever runs and seed
            try:
                drawn = spec.sample(_stream(seed, path), runs)
            except TariffsimError:
                raise
            except Exception as exc:  # a distribution of the user's
                raise ParameterError(
                    f"`vary[{given!r}]`: {short_repr(spec)}.sample(rng, {runs}) raised "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            vals = _drawn(path, drawn, runs)
            dists[path] = spec
            validate_values(pp, vals, runs=runs, arg="vary")  # within range
            lo, hi = draw_range(spec)
            out_of = np.flatnonzero((vals < lo) | (vals > hi))
            if out_of.size:  # (a distribution of the user's that breaks its own word)
                k = int(out_of[0])
                raise ParameterError(
                    f"`vary[{given!r}]`: {short_repr(spec)} drew {float(vals[k])!r} for run {k}, "
                    f"outside the range it declares it can draw, [{lo!r}, {hi!r}] (its "
                    "`support`)."
                )
        elif isinstance(spec, tuple) and len(spec) == 2:  # (low, high): a range to
            # ts.sensitivity, which read as two runs' values would be a silent mistake
            raise ParameterError(
                f"`vary[{path!r}]` is a pair {short_repr(spec)}: a (low, high) range is how "
                f"ts.sensitivity takes a parameter; to draw from a range give a distribution, "
                f"e.g. Uniform({spec[0]!r}, {spec[1]!r}) (tariffsim.analysis.distributions), "
                f"and per-run values as a list or an array of {runs} values."
            )
        elif isinstance(spec, str) or not hasattr(spec, "__len__"):
            raise ParameterError(
                f"`vary[{path!r}]` must be a Distribution (tariffsim.analysis.distributions) "
                f"or an array of one value per run ({runs} values); got {spec!r}."
            )
        else:
            vals = real_array(spec, f"vary[{path!r}]")
            if vals.shape != (runs,):
                raise ParameterError(
                    f"`vary[{path!r}]` must hold one value per run, shape ({runs},); "
                    f"got {vals.shape}."
                )
            validate_values(pp, vals, runs=runs, arg="vary")  # finite, within range
        vals.flags.writeable = False
        out[path] = vals
    return out, dists


def _check_draw_range(pp: ParamPath, dist: Distribution) -> None:
    """Refuse ``dist`` for ``pp`` unless every draw it can make is in the parameter's range.

    The draws' range is :func:`~tariffsim.analysis.distributions.draw_range`
    (for another distribution than this package's, its ``support``); the
    parameter's range is the one values are checked against
    (:func:`tariffsim.parampath.validate_values`: its bounds, within
    ±:data:`~tariffsim.parampath.MAGNITUDE`). Checked before any draw, so that
    whether a distribution is accepted does not depend on ``runs`` or ``seed``.
    """
    from ..parampath import _BOUNDS, MAGNITUDE
    from ..payoffs import _outside_range

    lo, hi = draw_range(dist)
    low, high, lo_open, hi_open = _BOUNDS.get(pp.name, (None, None, False, False))
    ends = np.array([lo, hi])
    bad = (
        ~np.isfinite(ends)
        | (np.abs(ends) > MAGNITUDE)
        | _outside_range(ends, (low, high, lo_open, hi_open))
    )
    if not bad.any():
        return
    # the values allowed: the parameter's bounds within ±MAGNITUDE
    if low is None or low < -MAGNITUDE:
        low, lo_open = -MAGNITUDE, False
    if high is None or high > MAGNITUDE:
        high, hi_open = MAGNITUDE, False
    allowed = f"{'(' if lo_open else '['}{low:g}, {high:g}{')' if hi_open else ']'}"
    ours = isinstance(dist, _Quantiles)
    draws = "can draw" if ours else "has support (declared smallest and largest draw)"
    raise ParameterError(
        f"`vary[{pp.text!r}]`: {short_repr(dist, 200)} {draws} from {lo!r} to {hi!r}, but "
        f"{pp.text!r} must be in {allowed}: refused before drawing, whatever `runs` and `seed`. "
        "Give a distribution with bounded support inside that range: Uniform, Triangular, "
        "Beta (rescaled with `low=`, `high=`) or a Normal truncated with `low=`, `high=` "
        "(tariffsim.analysis.distributions)."
    )


def _drawn(path: str, got: Any, runs: int) -> Array:
    """A distribution's ``sample`` output checked: ``runs`` finite real numbers."""
    raw = np.asarray(got)
    if raw.dtype.kind not in "iuf" or raw.shape != (runs,):
        raise ParameterError(
            f"`vary[{path!r}]`: the distribution's sample() must return {runs} real numbers; "
            f"got {short_repr(got)}."
        )
    vals = raw.astype(float)
    bad = ~np.isfinite(vals)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"`vary[{path!r}]`: the distribution drew {float(vals[k])!r} for run {k}; draws "
            "must be finite."
        )
    return vals


def claim_distributions(game: Game) -> tuple[ClaimDraw, ...]:
    """The claims with a range that map to a parameter of ``game``, as distributions.

    Triangular with its mode at the claim's point value where the registry
    gives one (``us_recession_odds_60`` for the forecasters' range, the
    border pass-through's 1.0), uniform otherwise.

    Examples
    --------
    >>> [d.claim for d in claim_distributions(ts.load_scenario("us-china-145").game)]
    ['pass_through_border_2018', 'us_recession_baseline', 'us_recession_odds_forecasters',
     'us_approval_feb2025', 'approval_39_45']
    """
    cl = load_claims()
    codes = game.world.codes
    if "US" not in codes:
        return ()
    cal = game.model.params.calibration
    out = []
    for c in cl.values():
        if c.range is None or c.id not in CLAIM_PARAMETERS:
            continue
        # targets of the calibration: only where this world calibrates on its own (a world
        # without US imports from China takes the default world's values, and no target)
        own = "us_burden_at_145_125" in cal and not cal.get("reference_world")
        if c.id in ("us_recession_odds_forecasters", "approval_39_45") and not own:
            continue
        if c.id == "pass_through_border_2018" and not _us_ladders(game):
            continue
        lo, hi = c.range
        mode_id = _MODE_FROM.get(c.id)
        mode = cl[mode_id].values[0] if mode_id else None
        dist: Distribution = (
            Triangular(lo, mode, hi) if mode is not None and lo <= mode <= hi else Uniform(lo, hi)
        )
        out.append(ClaimDraw(c.id, dist, CLAIM_PARAMETERS[c.id]))
    return tuple(out)


def _us_ladders(game: Game) -> list[str]:
    return [j for (i, j) in game.world.ladders if i == "US"]


def _prefixed(game: Game, field: str, index: tuple[int, ...], path: str) -> str:
    """``path`` or ``"truth:" + path`` if some agent believes otherwise than the truth."""
    truth = np.asarray(getattr(game.model.params, field))
    t = truth[index] if index else truth
    for a in game.agents:
        if a.beliefs is None:
            continue
        mine = np.asarray(getattr(a.beliefs.perceived, field))
        if not np.array_equal(mine[index] if index else mine, t):
            return "truth:" + path
    return path


_OWN_FIELDS: dict[str, tuple[str, ...]] = {
    "us_recession_baseline": ("recession_base",),
    "us_recession_odds_forecasters": ("recession_slope",),
    "us_approval_feb2025": ("approval_base",),
    "approval_39_45": ("approval_price", "approval_market"),
    "pass_through_border_2018": ("pass_through",),
}
"""The fields each claim of :data:`CLAIM_PARAMETERS` sets or solves for (its target); the
other calibrated fields it moves are re-solved to hold their own targets."""


def claim_overrides(game: Game, claim: str, values: Any) -> dict[str, Array]:
    """The paths of ``claim``'s own fields (:data:`_OWN_FIELDS`) and their values when the
    claim alone takes ``values`` (R,), the rest at the defaults (:func:`overrides_from_claims`).

    Examples
    --------
    >>> ov = claim_overrides(ts.load_scenario("us-china-145").game, "approval_39_45", [39, 45])
    >>> list(ov)
    ['approval_price', 'approval_market']
    """
    own = _OWN_FIELDS[claim]
    ov = overrides_from_claims(game, {claim: values})
    return {p: v for p, v in ov.items() if p.split(":")[-1].split(".")[0] in own}


def claim_paths(game: Game, claim: str) -> tuple[str, ...]:
    """The parameter paths of the fields a claim of ``vary="claims"`` sets or solves for
    in ``game`` (:func:`claim_overrides`), in order.

    Examples
    --------
    >>> claim_paths(ts.load_scenario("us-china-145").game, "approval_39_45")
    ('approval_price', 'approval_market')
    """
    for cd in claim_distributions(game):
        if cd.claim == claim:
            lo, hi = draw_range(cd.distribution)
            return tuple(claim_overrides(game, claim, [lo, hi]))
    raise ParameterError(
        f"claim {claim!r} draws no parameter of {game.name!r} under vary='claims'."
    )


def claims_held(game: Game, held: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The claims of ``vary="claims"`` that would set a parameter held at a what-if's value.

    Parameters
    ----------
    game : Game
    held : sequence of str
        Parameter paths set by a what-if
        (:attr:`tariffsim.scenario.Scenario.what_if`).

    Returns
    -------
    dict of str to tuple of str
        Claim id → the paths of ``held`` that the claim's parameters
        (:func:`claim_paths`) overlap (:func:`tariffsim.parampath.overlaps`),
        for the claims of :func:`claim_distributions` that overlap any; in the
        claims' order. A ``belief:`` path holds no claim: the claim then
        draws the truth alone (:func:`draws_from_claims`).

    Examples
    --------
    >>> g = ts.load_scenario("us-china-145").game
    >>> claims_held(g, ["pass_through", "face_weight"])
    {'pass_through_border_2018': ('pass_through',)}
    >>> claims_held(g, ["belief:pass_through.US.CN"])
    {}
    """
    from ..parampath import overlaps, parse

    sides = [h for h in held if parse(h).scope != "belief"]
    out: dict[str, tuple[str, ...]] = {}
    for cd in claim_distributions(game):
        direct = tuple(_claim_inputs(game, {cd.claim: [draw_range(cd.distribution)[0]]}, ())[0])
        sets = direct or _OWN_FIELDS[cd.claim]  # (a target's fields: on every side)
        hit = tuple(h for h in sides if any(overlaps(h, path) for path in sets))
        if hit:
            out[cd.claim] = hit
    return out


def warn_claims_held(game: Game, held: Sequence[str], arg: str, *, stacklevel: int = 2) -> None:
    """Warn (:class:`~tariffsim.errors.WhatIfHeldWarning`) naming each claim that a what-if's
    paths ``held`` hold (:func:`claims_held`), for ``arg`` (``"vary"`` of an ensemble,
    ``"params"`` of a sensitivity analysis) = ``"claims"``; nothing if none."""
    import warnings

    from ..errors import WhatIfHeldWarning

    hit = claims_held(game, held)
    if hit:
        warnings.warn(
            f"{arg}='claims' keeps the what-if's values and does not draw "
            + "; ".join(
                f"{c} (the what-if set {', '.join(p)}; every run keeps "
                f"{', '.join(claim_paths(game, c))} as the what-if has them)"
                for c, p in hit.items()
            ),
            WhatIfHeldWarning,
            stacklevel=stacklevel + 1,
        )


def as_what_ifs(
    game: Game,
    values: Mapping[str, Array],
    runs: int,
    *,
    held: Sequence[str] = (),
    arg: str = "vary",
    row: str = "run",
) -> dict[str, Array]:
    """``values`` and the calibrated fields they re-solve, run by run: each run a what-if.

    :func:`recalibrated_overrides`, keeping the calibrated fields that ``values``
    names or that ``held`` (the scenario's :attr:`~tariffsim.scenario.Scenario.what_if`)
    set, as ``Scenario.with_params`` keeps them. Used by ensembles and sensitivity
    analyses (their ``recalibrate=True``); ``arg`` and ``row`` name the argument the values
    came in and what one of them is (``"vary"``, ``"run"``), in errors.
    """
    kept = (*values, *held)
    return {**values, **recalibrated_overrides(game, values, runs, keep=kept, arg=arg, row=row)}


def what_if_footing(
    game: Game, values: Mapping[str, Array], runs: int, *, held: Sequence[str] = ()
) -> NDArray[np.bool_]:
    """Which runs :func:`as_what_ifs` can take, shape (R,), where it would refuse some.

    A run it cannot take leaves the calibration no footing (the US bears no burden at
    the calibration state) or a re-solved field out of its range. One batched
    evaluation, as :func:`as_what_ifs` makes. Used by :func:`tariffsim.analysis.calibrate`
    to give such candidates an infinite loss instead of refusing the fit.
    """
    kept = (*values, *held)
    return ~_recalibrated(game, values, runs, keep=kept, arg="vary", row="run")[1]


_NO_RECALIBRATION = "recalibrate=False (on the command line, --no-recalibrate)"


def check_claims_recalibrate(recalibrate: bool, arg: str) -> None:
    """Refuse ``recalibrate=False`` with the claims as what varies (``arg``: ``"vary"`` or
    ``"params"``): the claims recalibrate by their own rules, so the option would be
    silently ignored."""
    if not recalibrate:
        raise ParameterError(
            f"`recalibrate=False` has no effect with `{arg}`='claims': the claims set the "
            "calibrated fields by their own rules (docs: ensembles, 'Which parameters vary'). "
            "Leave recalibrate at its default (on the command line, without --no-recalibrate), "
            "or give parameter paths to apply values as they are."
        )


_TARGET_NAMES = {"odds": "US recession odds target", "approval": "US approval target"}
"""How errors name the targets of :func:`_recalibrated`."""

_RECAL_BLOCK = 2048
"""Runs per batched evaluation of :func:`recalibrated_overrides` in a world of up to 10
countries, fewer in proportion to the countries squared in larger ones (its temporaries
grow with the runs, the segments and the countries squared)."""


def recalibrated_overrides(
    game: Game,
    drawn: Mapping[str, Array],
    runs: int,
    *,
    keep: Sequence[str] = (),
    arg: str = "vary",
    row: str = "run",
    targets: Mapping[str, Array] | None = None,
) -> dict[str, Array]:
    """The calibrated fields re-solved run by run for drawn values, as ``with_params`` does.

    Run ``k`` gets the calibrated fields (:data:`~tariffsim.payoffs.CALIBRATED_FIELDS`)
    that ``Scenario.with_params`` (``recalibrate=True``) gives the game with run
    ``k``'s values: re-solved where the values move an input of the calibration
    (:func:`~tariffsim.payoffs.calibration_inputs`, to a relative 1e-12), the
    game's elsewhere; in the truth, and in every agent's beliefs unless every
    drawn path is ``truth:`` only. The inputs of all runs come from one batched
    evaluation (a block of :data:`_RECAL_BLOCK` runs at a time) and are solved by
    :func:`~tariffsim.payoffs.solve_calibration`, the arithmetic of
    ``with_params``: the same bits.

    Parameters
    ----------
    game : Game
    drawn : mapping of str to ndarray (R,)
        Parameter path → values, as :func:`draw` returns them.
    runs : int
    keep : sequence of str
        Paths the user set (the drawn ones and a what-if's): the calibrated fields they
        name keep the game's values on the side the path sets
        (:func:`~tariffsim.payoffs.calibrated_sides`; a field's bare name: both sides).
    arg, row : str
        The argument the values came in and what one of them is, in errors
        (``"params"`` and ``"design point"`` for a sensitivity analysis).
    targets : mapping of str to ndarray (R,), optional
        ``odds`` and/or ``approval``: the US recession odds and approval at the
        calibration state (fractions) to solve for, run by run, in place of the
        defaults (:func:`~tariffsim.payoffs.calibration_targets`); the claims
        draw them (:func:`overrides_from_claims`). A run whose targets differ from
        the defaults is re-solved, and the re-solved fields go to every agent.

    Returns
    -------
    dict of str to ndarray (R,)
        Paths of the calibrated fields that differ from the game's in some run,
        on the sides that differ (a plain path where the truth and every belief
        take the same values, else ``truth:`` and ``belief:`` paths; one path
        for a field equal across countries in every run, else one per country
        that differs), in :data:`~tariffsim.payoffs.CALIBRATED_FIELDS` order;
        empty when no run moves the calibration.

    Raises
    ------
    ParameterError
        For a run whose values the calibration cannot take (the US bears no
        burden at the calibration state in the default world, or a re-solved
        field falls outside its range; ``with_params`` refuses such values
        too), naming the run and its values.
    """
    out, bad, why = _recalibrated(game, drawn, runs, keep=keep, arg=arg, row=row, targets=targets)
    if bad.any():
        raise ParameterError(why)
    return out


def _recalibrated(
    game: Game,
    drawn: Mapping[str, Array],
    runs: int,
    *,
    keep: Sequence[str],
    arg: str,
    row: str,
    targets: Mapping[str, Array] | None = None,
) -> tuple[dict[str, Array], NDArray[np.bool_], str]:
    """:func:`recalibrated_overrides`, and the runs it must refuse with the message for the
    first (their entries are the game's values, or meaningless).

    ``targets``: ``odds`` and/or ``approval`` (R,), the targets of
    :func:`~tariffsim.payoffs.solve_calibration` run by run (the claims'); a run whose
    targets differ from the defaults is re-solved even where no input moved, and the
    re-solved fields go to the agents as to the truth (the targets are read off the record,
    as the defaults are)."""
    from .._batchrun import _batched_params, _override_arrays
    from ..parampath import apply, parse, validate_values
    from ..payoffs import (
        CALIBRATED_FIELDS,
        CALIBRATION_INPUTS,
        PayoffModel,
        calibrated_sides,
        calibration_block,
        calibration_inputs,
        calibration_moved,
        calibration_targets,
        solve_calibration,
    )

    w = game.world
    base = game.model.params
    pps = [(parse(k, game), np.asarray(v, dtype=float)) for k, v in drawn.items()]
    moving = [
        (pp, v) for pp, v in pps
        if pp.kind == "params" and pp.sets_truth and pp.name in CALIBRATION_INPUTS
    ]  # fmt: skip
    bad = np.zeros(runs, dtype=bool)
    targets = {t: np.asarray(v, dtype=float) for t, v in (targets or {}).items()}
    betas = [(pp, v) for pp, v in pps if pp.kind == "params" and pp.name == "market_beta"]
    if not (moving or targets or betas) or "US" not in w.codes or "CN" not in w.codes:
        return {}, bad, ""
    kept_truth, kept_beliefs = calibrated_sides(keep)
    beta: Array | None = None  # the truth's US market beta where it is kept (as with_params)
    us_beta = float(np.asarray(base.market_beta, dtype=float)[w.index("US")])
    if "market_beta" in kept_truth:
        drawn_beta = _override_arrays(base, betas, runs, list(w.codes), "truth").get("market_beta")
        beta = np.full(runs, us_beta) if drawn_beta is None else drawn_beta[:, w.index("US")]
    n, cn = w.n, w.index("CN")
    model = PayoffModel(w, base)
    cal = calibration_block(w, model.round_days)
    x0 = calibration_inputs(model, block=cal)[0]
    over = _override_arrays(base, moving, runs, list(w.codes), "truth")
    trade = {f: v for f, v in over.items() if f not in ("recession_base", "approval_base")}
    x = np.empty((runs, 6))
    block = max(1, min(_RECAL_BLOCK, _RECAL_BLOCK * 100 // (n * n)))  # 2,048 runs of 10
    for r0 in range(0, runs, block):  # (R, 4, K, n, n) temporaries, a block at a time
        r1 = min(r0 + block, runs)
        pb = _batched_params(base, {f: v[r0:r1] for f, v in trade.items()}, np.arange(n))
        x[r0:r1] = calibration_inputs(model, pb, block=cal) if trade else x0
    us = w.index("US")
    for c, f in ((4, "recession_base"), (5, "approval_base")):  # read, not evaluated
        if f in over:
            x[:, c] = over[f][:, us]
    moved = calibration_moved(x0, x)
    if beta is not None:  # (approval's market share is solved against its drawdown)
        moved |= beta != us_beta
    default = calibration_targets()
    for t, v in targets.items():
        moved |= v != default[t]
    if not moved.any():
        return {}, bad, ""
    fields = [f for f in CALIBRATED_FIELDS if not (f in kept_truth and f in kept_beliefs)]

    def values_of(k: int) -> str:
        named = [(pp.text, v) for pp, v in pps] + [
            (_TARGET_NAMES[t], v) for t, v in targets.items()
        ]
        return ", ".join(f"{name} = {float(v[k])!r}" for name, v in named)

    # what a refused run can do instead: without targets, the values as they are; with the
    # claims' targets (which need the re-solve), other values
    advice = (
        f"Pass {_NO_RECALIBRATION} to apply the values as they are."
        if not targets
        else "The claims' targets cannot be met from these values (with the scenario's own: "
        "a what-if's baseline odds or approval beyond the drawn target, say): narrow the "
        "draws or change the what-if."
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # (runs with no burden: below)
        solved = solve_calibration(x, n, cn, market_beta=beta, **targets)
    believers = [a.beliefs.perceived for a in game.agents if a.beliefs is not None]
    # the agents' approval share against their own beta where they keep one (as with_params)
    beta_b: Array | None = None
    if "market_beta" in kept_beliefs and believers:
        drawn_b = _override_arrays(base, betas, runs, list(w.codes), "belief").get("market_beta")
        held_b = float(np.asarray(believers[0].market_beta, dtype=float)[us])
        beta_b = np.full(runs, held_b) if drawn_b is None else drawn_b[:, us]
    if beta_b is None and beta is None:
        solved_b = solved
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            solved_b = solve_calibration(x, n, cn, market_beta=beta_b, **targets)
    # where the US bears no burden: as with_params (the reference world's values, or an error)
    odd = moved & ~((x[:, 0] > 1e-9) & (x[:, 1] > 1e-9) & np.isfinite(x[:, 0] + x[:, 1]))
    why = ""
    if odd.any():  # (the values the reference world gives do not depend on the run)
        k = int(np.flatnonzero(odd)[0])
        try:
            one = apply(game, {pp.text: float(v[k]) for pp, v in moving})
            ref = one.model.params.recalibrated(w)
        except ParameterError as exc:
            why = (
                f"`{arg}`: {row} {k} ({values_of(k)}) leaves the calibration no footing "
                f"({str(exc).rstrip('.')}); "
                "with_params refuses these values too. Draw from a range where the US bears "
                "the tariff. " + advice
            )
            bad |= odd
            ref = base  # (these runs are refused: any values will do)
        for f in fields:
            solved[f][odd] = getattr(ref, f)
            solved_b[f][odd] = getattr(ref, f)
    to_agents = (  # as with_params: a payoff parameter not truth: only (none: plain paths)
        any(pp.kind == "params" and pp.scope != "truth" for pp, _ in pps)
        or not believers
        or bool(targets)
    )
    out: dict[str, Array] = {}
    for f in fields:
        truth = np.asarray(getattr(base, f), dtype=float)
        held = [np.asarray(getattr(b, f), dtype=float) for b in believers]
        where = moved.reshape((runs,) + (1,) * truth.ndim)
        new_truth = np.where(where, solved[f], truth)
        in_truth = f not in kept_truth
        in_beliefs = bool(to_agents and believers) and f not in kept_beliefs
        if not in_beliefs:
            sides = [("truth:" if believers else "", new_truth, [truth])] if in_truth else []
        elif (
            in_truth
            and all(h.tobytes() == truth.tobytes() for h in held)  # beliefs at the truth,
            and solved_b[f].tobytes() == solved[f].tobytes()  # and solved alike
        ):
            sides = [("", new_truth, [truth])]
        else:
            if any(h.tobytes() != held[0].tobytes() for h in held[1:]) and not moved.all():
                raise ParameterError(
                    f"`{arg}`: the agents perceive {f} differently from one another, and a "
                    "path sets every agent's belief alike: the runs that keep the calibration "
                    f"cannot keep each agent's own. Pass {_NO_RECALIBRATION}."
                )
            sides = [("truth:", new_truth, [truth])] if in_truth else []
            sides.append(("belief:", np.where(where, solved_b[f], held[0]), held))
        for prefix, new, now in sides:
            _add_paths(out, prefix + f, new, now, w.codes)
    for path, v in out.items():
        v.flags.writeable = False
        if bad.all():
            continue
        try:  # (the runs refused already take a good run's value: errors keep run numbers)
            good = np.where(bad, v[int(np.flatnonzero(~bad)[0])], v)
            validate_values(parse(path, game), good, runs=runs, arg=arg)
        except ParameterError as exc:
            out_of_range = [k for k in range(runs) if not bad[k] and not _valid(game, path, v[k])]
            if not why or out_of_range[0] < int(np.flatnonzero(bad)[0]):
                k = out_of_range[0]
                why = (
                    f"`{arg}`: {row} {k} ({values_of(k)}) moves the calibration, and re-solved "
                    f"{path} = {float(v[k])!r} is outside its range ({str(exc).rstrip('.')}). "
                    + advice
                )
            bad[out_of_range] = True
    return out, bad, why


def _add_paths(
    out: dict[str, Array], name: str, new: Array, now: Sequence[Array], codes: Sequence[str]
) -> None:
    """Paths setting field path ``name`` to ``new`` ``(R,)`` or ``(R, n)`` where it differs
    from any of the values in force ``now``: one path for a value equal across countries in
    every run, else one per country that differs."""
    differs = np.logical_or.reduce([new != v for v in now])
    if new.ndim == 1:
        if differs.any():
            out[name] = new
        return
    cols = differs.any(axis=0)
    if not cols.any():
        return
    if (new == new[:, :1]).all():  # one value for every country, run by run
        out[name] = np.ascontiguousarray(new[:, 0])
        return
    for col in map(int, np.flatnonzero(cols)):
        out[f"{name}.{codes[col]}"] = np.ascontiguousarray(new[:, col])


def _valid(game: Game, path: str, value: float) -> bool:
    from ..parampath import parse, validate_values

    try:
        validate_values(parse(path, game), np.array([value]), runs=1, arg="vary")
    except ParameterError:
        return False
    return True


def draws_from_claims(
    game: Game,
    runs: int,
    seed: int,
    *,
    held: Sequence[str] = (),
    drawn: Mapping[str, Array] | None = None,
) -> tuple[dict[str, Array], dict[str, Array], dict[str, Distribution]]:
    """Draw the claims' ranges and turn them into per-run parameter values.

    Each claim draws from its own stream (keyed by the seed and the claim's
    id), so skipping one leaves the others' draws as they were.

    Parameters
    ----------
    game : Game
    runs : int
    seed : int
    held : sequence of str, optional
        Parameter paths a what-if set
        (:attr:`tariffsim.scenario.Scenario.what_if`): the claims of
        :func:`claims_held` are not drawn (their parameters keep the game's
        values), and a claim's path that meets a ``belief:`` path of them
        sets the truth alone (``truth:``), so the belief set holds.
    drawn : mapping of str to ndarray (R,), optional
        Values drawn for parameter paths beside the claims (a ``vary`` mapping
        with ``"claims": True``, :func:`draw`): each run is the what-if of its
        claims' values and these together, re-solved once. A path that sets
        what a claim draws is refused; a ``belief:`` path leaves the claim the
        truth (as a what-if's does).

    Returns
    -------
    overrides : dict of str to ndarray (R,)
        Parameter path → values (what the runs use): the claims', ``drawn``,
        and the calibrated fields re-solved for both.
    claim_values : dict of str to ndarray (R,)
        Claim id → drawn value, in the claim's unit.
    distributions : dict of str to Distribution
        Claim id → its distribution.

    Raises
    ------
    ParameterError
        If no claim with a range applies to the game, or every one is skipped.
    """

    extra = dict(drawn or {})
    clash = claims_held(game, list(extra))
    if clash:
        c, paths = next(iter(clash.items()))
        raise ParameterError(
            f"`vary`: {', '.join(map(repr, paths))} sets what the claim {c!r} draws under "
            f"'claims' ({', '.join(claim_paths(game, c))}); leave out one of them (a `belief:` "
            "path draws an agent's belief beside the claims' truth)."
        )
    skip = claims_held(game, held)
    cds = tuple(cd for cd in claim_distributions(game) if cd.claim not in skip)
    if not cds:
        raise ParameterError(
            f"`vary='claims'`: no claim with a range maps to a parameter of {game.name!r} "
            + (
                "that the what-if leaves free (it set the parameters of every one: "
                f"{', '.join(sorted(skip))}); pass vary as a mapping of distributions instead."
                if skip and claim_distributions(game)
                else "(they concern the US; see tariffsim.analysis.vary)."
            )
        )
    x: dict[str, Array] = {}
    for cd in cds:
        v = np.asarray(cd.distribution.sample(_stream(seed, cd.claim), runs), dtype=float)
        v.flags.writeable = False
        x[cd.claim] = v
    dists = {cd.claim: cd.distribution for cd in cds}
    return overrides_from_claims(game, x, held=(*held, *extra), extra=extra), x, dists


def overrides_from_claims(
    game: Game,
    x: Mapping[str, Any],
    *,
    held: Sequence[str] = (),
    extra: Mapping[str, Array] | None = None,
    arg: str = "vary",
    row: str = "run",
) -> dict[str, Array]:
    """Per-run parameter values set by given claim values (the rules of the module docs).

    The values the claims set (pass-through, baseline odds and approval) and
    the calibrated fields re-solved for them and for the drawn targets (US
    recession odds and approval at the calibration state), by
    :func:`recalibrated_overrides`, the rule of ``with_params``: run ``k``'s
    values depend on its own claim values alone.

    Parameters
    ----------
    game : Game
    x : mapping of str to array_like (R,)
        Claim id (a key of :data:`CLAIM_PARAMETERS`) → values in the claim's
        unit, one per run. Claims left out keep the game's defaults (their
        targets: the articles' figures).
    held : sequence of str, optional
        Parameter paths a what-if set (:attr:`tariffsim.scenario.Scenario.what_if`):
        the calibrated fields among them keep their values, and a claim's path
        that meets a ``belief:`` path of them sets the truth alone (``truth:``).
    extra : mapping of str to ndarray (R,), optional
        Values of other parameter paths (drawn beside the claims; their paths
        belong in ``held`` too), set as they are and re-solved for with the
        claims' values, at once.
    arg, row : str
        The argument the claims came in and what one of its rows is, in errors (``"params"``
        and ``"design point"`` for a sensitivity analysis).

    Returns
    -------
    dict of str to ndarray (R,)
        Parameter path → values (read-only): the claims' paths in the order of
        ``x``, then the re-solved calibrated fields that differ from the
        game's in some run (:func:`recalibrated_overrides`).

    Raises
    ------
    UnknownNameError
        For a claim that sets no parameter.
    ParameterError
        For a run the calibration cannot take (:func:`recalibrated_overrides`).

    Examples
    --------
    >>> g = ts.load_scenario("us-china-145").game
    >>> ov = overrides_from_claims(g, {"us_recession_baseline": [15.0, 30.0]})
    >>> list(ov)
    ['recession_base.US', 'recession_slope']
    >>> ov["recession_base.US"].tolist()
    [0.15, 0.3]
    """
    ov, targets, runs = _claim_inputs(game, x, held)
    ov.update(extra or {})
    ov.update(recalibrated_overrides(game, ov, runs, keep=held, targets=targets, arg=arg, row=row))
    for v in ov.values():
        v.flags.writeable = False
    return ov


def _claim_inputs(
    game: Game, x: Mapping[str, Any], held: Sequence[str]
) -> tuple[dict[str, Array], dict[str, Array], int]:
    """What claim values set directly (paths and values) and the targets they give the
    calibration (:func:`overrides_from_claims` before the re-solve), and the runs."""
    from ..errors import UnknownNameError
    from ..parampath import overlaps, parse

    for c in x:
        if c not in CLAIM_PARAMETERS:
            raise UnknownNameError(
                f"claim {c!r} sets no parameter; claims that do: {', '.join(CLAIM_PARAMETERS)}."
            )
    x = {c: np.asarray(v, dtype=float) for c, v in x.items()}
    runs = len(next(iter(x.values()))) if x else 0
    p = game.model.params
    us = game.world.index("US")
    beliefs = [h for h in held if parse(h).scope == "belief"]
    ov: dict[str, Array] = {}

    def put(field: str, ix: tuple[int, ...], path: str, val: Array | float) -> None:
        path = _prefixed(game, field, ix, path)
        if parse(path).scope == "both" and any(overlaps(b, path) for b in beliefs):
            path = "truth:" + path  # (the belief a what-if set holds)
        ov[path] = np.asarray(val, dtype=float)

    if "pass_through_border_2018" in x:
        for j in _us_ladders(game):
            jj = game.world.index(j)
            put("pass_through", (us, jj), f"pass_through.US.{j}", x["pass_through_border_2018"])
    if "us_recession_baseline" in x:
        put("recession_base", (us,), "recession_base.US", x["us_recession_baseline"] / 100)
    a0 = x["us_approval_feb2025"] / 100 if "us_approval_feb2025" in x else None
    if a0 is not None:
        put("approval_base", (us,), "approval_base.US", a0)
    targets: dict[str, Array] = {}
    if "us_recession_odds_forecasters" in x:
        targets["odds"] = x["us_recession_odds_forecasters"] / 100
    if "approval_39_45" in x:  # (approval does not rise with tariff pain: at most the base)
        base = a0 if a0 is not None else float(p.approval_base[us])
        targets["approval"] = np.minimum(x["approval_39_45"] / 100, base)
    return ov, targets, runs
