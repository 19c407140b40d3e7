r"""Global sensitivity analysis: which assumptions drive the story?

:func:`sensitivity` varies chosen parameters of a scenario over ranges, runs
the batched engine once per design point and measures how much of the
variance of each scalar output each parameter explains. Sampling and
analysis are SALib's (Herman & Usher 2017, *JOSS* 2(9):97); tariffsim builds
the design, runs it through :func:`tariffsim.analysis.runner.map_chunks`
(in-process, any ``concurrent.futures.Executor`` or a Dask client) and
wraps the indices in a :class:`SensitivityResult`.

Methods
-------
``"sobol"``
    Variance-based indices (Sobol 2001; Saltelli 2002; Saltelli et al.
    2010). With :math:`Y = f(X_1, \dots, X_k)` and independent uniform
    :math:`X_i` on their ranges,

    .. math::

       S_i = \frac{\operatorname{Var}[\mathbb E(Y \mid X_i)]}{\operatorname{Var} Y},
       \qquad
       S_{Ti} = \frac{\mathbb E[\operatorname{Var}(Y \mid X_{\sim i})]}{\operatorname{Var} Y}.

    :math:`S_i` is the share of the variance parameter ``i`` explains alone,
    :math:`S_{Ti}` the share it explains with all its interactions. The
    design is SALib's Saltelli/Sobol' sequence with ``n`` base points:
    ``n * (k + 2)`` model runs (first and total order; no second order).
    Confidence intervals are SALib's bootstrap (``num_resamples``, 95%).
    ``n`` should be a power of 2.
``"morris"``
    Elementary effects (Morris 1991; Campolongo et al. 2007): ``n``
    trajectories of ``k + 1`` points on a 4-level grid, ``n * (k + 1)`` runs.
    :math:`\mu^*` (mean absolute effect, with a bootstrap interval) ranks the
    parameters; :math:`\sigma` flags non-linearity and interactions. Cheap
    screening before a Sobol run.

Runs and seeds
--------------
Every design point is one run of :func:`tariffsim.engine.simulate_batch` with
the point's values as per-run ``overrides``, and **every run uses the same
seed** (``numpy.random.SeedSequence(seed)``): common random numbers, so the
only thing that differs between runs is the parameters and the indices
measure the parameters, not the noise. (All bundled scenarios are
noise-free, so there the seed does not matter at all; for a noisy game set
``replicates`` > 1 to average each output over that many common seeds.)

Parameters
----------
Parameters are *parameter paths* (:mod:`tariffsim.parampath`):
``"pass_through.US.CN"``, ``"belief:pass_through.US.CN"``,
``"learning_rate.US"``, ``"face_weight.US"`` … Ranges are given as
``{path: (low, high)}``, or, for a bare list of paths, :data:`DEFAULT_FACTOR`
around the scenario's value. With ``params="claims"`` the factors are the
*claims* themselves: every claim whose range sets a parameter of the game
(the claims ``ts.ensemble(vary="claims")`` draws from), varied uniformly over
its range and turned into parameter values by the same rules
(:func:`tariffsim.analysis.vary.overrides_from_claims`) — the answer to
"which of the claims drive the outcome?".

Built-in outputs
----------------
Each takes the batch of runs and returns one number per run, for the
*focus dyad*: ``sensitivity(..., focus=...)`` (on the command line
``--focus US-CN``), by default the first dyad the game plays
(:meth:`~tariffsim.game.Game.played_dyads`: the first agent's first tariff
target, so the US tariff on China in ``us-china-145``, on Canada in
``canada-mexico-fentanyl`` and on India in ``secondary-oil-tariffs``):

``peak``
    Highest headline tariff the focus dyad reaches (fraction; 1.45 = 145%),
    after any decision step of a round (as :meth:`tariffsim.path.Path.peak`).
``first_cut_week``
    Weeks from the start to the end of the round of the first cut of the
    focus tariff: the round (counted from round 0) times the round length
    in days over 7, so the round itself in weekly rounds and a seventh of
    it in daily ones; ``(rounds + 1) d / 7`` if it is never cut (censored
    at the horizon).
``settled_us``
    Focus tariff in the last round (fraction): where the path settles (the
    name is that of the default focus, the US tariff on China; in a game
    without that dyad it is the focus dyad's).
``cumulative_gdp_loss``
    The importer's summed payoff loss over the run, in % of one year's GDP:
    :math:`-\sum_{r=1}^{T} u_r \cdot d/365`, with :math:`u_r` the round
    payoff (% of GDP at an annual rate, every term of the model: economic
    and political terms are both in GDP units) and :math:`d` the round
    length in days. Limit: the one-off costs (``face``, ``resolve``) are
    scaled with the round length too, where :meth:`tariffsim.path.Path.realised`
    scales them by a reference week (the compact record keeps no terms): in a
    game of daily rounds they count a seventh of what ``realised`` counts
    (``reciprocal-pause``: a US loss of 0.1315 against 0.1355).

A control focus (``focus=("control", "CN->US")``) makes the four read that
export control instead: its peak, the week of its first easing, its last
level (a share withheld) and the withholder's summed loss.

A user output is a callable ``f(batch) -> array of shape (R,)`` taking a
:class:`tariffsim.engine.PathBatch` (compact record) — a module-level
function when the work goes to other processes.

Examples
--------
>>> from tariffsim.analysis.sensitivity import analyse_function
>>> res = analyse_function(lambda x: x[:, 0] + 0.1 * x[:, 1],
...                        {"a": (0, 1), "b": (0, 1)}, n=256, seed=0)
>>> res.ranking("y")
('a', 'b')
"""

from __future__ import annotations

import math
import numbers
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import limits
from .._util import check_bool, frozen_array, literal_text, one_of, short_repr, whole_number
from ..errors import (
    ConstantOutputWarning,
    MissingExtraError,
    ParameterError,
    SampleSizeWarning,
    TariffsimError,
    UnknownNameError,
)
from ..world import _dyad_key
from .runner import check_seed

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..engine import PathBatch
    from ..game import Game

__all__ = [
    "DEFAULT_FACTOR",
    "INDEX_SLACK",
    "METHODS",
    "OUTPUTS",
    "SensitivityResult",
    "analyse_function",
    "focus_dyad",
    "game_focus",
    "resolve_bounds",
    "sensitivity",
]

Array = NDArray[np.float64]
Method = Literal["sobol", "morris"]
METHODS = ("sobol", "morris")
DEFAULT_FACTOR = 0.5
"""A bare parameter path varies over ``value * (1 ± DEFAULT_FACTOR)`` (clipped to
its valid domain; ``[0, 2 * DEFAULT_FACTOR]`` around a zero value)."""
NUM_LEVELS = 4
"""Grid levels of the Morris design."""
INDEX_SLACK = 0.05
"""How far a Sobol estimate's 95% interval may lie outside [0, 1] before the design is called
too small for the output (:class:`~tariffsim.errors.SampleSizeWarning`); an interval wider
than 0.5 either side of its estimate is called so too (it cannot tell 0 from 1)."""


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------
def focus_dyad(batch: Any) -> tuple[str, str]:
    """The dyad a built-in output reads when called without one (``OUTPUTS[name](batch)``):
    (US, CN) when recorded, else the first dyad recorded. :func:`sensitivity` passes each the
    game's own focus (:func:`game_focus`)."""
    dyads = [(str(d[0]), str(d[1])) for d in batch.dyads]
    if ("US", "CN") in dyads:
        return ("US", "CN")
    if not dyads:
        raise ParameterError("the runs recorded no dyad with a ladder; no built-in output applies.")
    return dyads[0]


_Focus = tuple[str, ...]
"""What the built-in outputs read: a tariff ``(importer, exporter)``, or an export control
``(withholder, target, "control")``."""


def game_focus(game: Any, focus: Any = None) -> _Focus | None:
    """The focus of the built-in outputs for ``game``: ``focus`` (a dyad, ``"US-CN"``,
    ``"US->CN"`` or ``("US", "CN")``, checked against the game's ladders; or an export
    control, ``("control", "CN->US")`` or ``"control:CN-US"``, checked against its control
    ladders), else the first of :meth:`~tariffsim.game.Game.played_dyads`, else None
    (:func:`focus_dyad` of each batch)."""
    ladders = set(game.world.ladders)
    if focus is None:
        return next((d for d in game.played_dyads() if d in ladders), None)
    control = _control_focus(focus)
    if control is not None:
        if control not in game.world.control_ladders:
            known = ", ".join(f"{a}-{b}" for a, b in game.world.control_ladders) or "none"
            raise UnknownNameError(
                f"`focus`: the game has no export-control ladder for {short_repr(focus)}; "
                f"control ladders: {known}."
            )
        return (*control, "control")
    d = _dyad_key(focus, "focus")
    if d not in ladders:
        known = ", ".join(f"{a}-{b}" for a, b in sorted(ladders))
        raise UnknownNameError(
            f"`focus`: the game has no tariff ladder for {short_repr(focus)}; dyads: {known}."
        )
    return d


def _control_focus(focus: Any) -> tuple[str, str] | None:
    """The ``(withholder, target)`` of a control focus (``("control", "CN->US")``, or
    ``"control:CN-US"`` as the command line spells it), else None."""
    if isinstance(focus, str) and focus.startswith("control:"):
        return _dyad_key(focus.removeprefix("control:"), "focus")
    if isinstance(focus, tuple | list) and len(focus) == 2 and focus[0] == "control":
        return _dyad_key(focus[1], "focus")
    return None


def _series(batch: PathBatch, focus: _Focus | None, *, high: bool = False) -> Array:
    """The focus's series ``(R, T+1)``: an export control's, or a tariff's at the rounds' ends
    (``high``: its highest level in each round, after any decision step)."""
    if focus is not None and len(focus) == 3:  # an export control's
        return np.asarray(batch.control_series(focus[0], focus[1]), dtype=float)
    a, b = focus or focus_dyad(batch)
    return np.asarray((batch.high_series if high else batch.tariff_series)(a, b), dtype=float)


def _peak(batch: PathBatch, focus: _Focus | None = None) -> Array:
    return _series(batch, focus, high=True).max(axis=1)  # (as Path.peak: any decision step)


def _round_days(batch: PathBatch) -> float:
    """The batch's round length in days (a week when it has one date only)."""
    d = np.asarray(batch.dates, dtype="datetime64[D]")
    return float((d[1] - d[0]).astype(int)) if len(d) > 1 else 7.0


def _first_cut_week(batch: PathBatch, focus: _Focus | None = None) -> Array:
    t = _series(batch, focus)
    cut = np.diff(t, axis=1) < -1e-12
    first = np.argmax(cut, axis=1) + 1.0
    rounds = np.where(cut.any(axis=1), first, float(t.shape[1]))
    days = _round_days(batch)
    return rounds if days == 7.0 else rounds * days / 7.0


def _settled(batch: PathBatch, focus: _Focus | None = None) -> Array:
    return _series(batch, focus)[:, -1]


def _cumulative_loss(batch: PathBatch, focus: _Focus | None = None) -> Array:
    i = tuple(batch.codes).index((focus or focus_dyad(batch))[0])
    pay = np.asarray(batch.payoff, dtype=float)[:, 1:, i]
    return -pay.sum(axis=1) * _round_days(batch) / 365.0


OUTPUTS: dict[str, Callable[..., Array]] = {
    "peak": _peak,
    "first_cut_week": _first_cut_week,
    "settled_us": _settled,
    "cumulative_gdp_loss": _cumulative_loss,
}
"""Built-in outputs by name (see the module docs): ``f(batch, focus=None)``."""


def _resolve_outputs(outputs: Any) -> dict[str, Callable[[Any], Array] | str]:
    if outputs is None:
        outputs = list(OUTPUTS)
    if isinstance(outputs, str):
        outputs = [outputs]
    if isinstance(outputs, Mapping):
        items = list(outputs.items())
    elif isinstance(outputs, Sequence):
        items = [(o, o) for o in outputs]
    else:
        raise ParameterError(
            "`outputs` must be a name, a list of names or a mapping name -> callable; "
            f"got {outputs!r}."
        )
    if not items:
        raise ParameterError("`outputs` is empty.")
    out: dict[str, Callable[[Any], Array] | str] = {}
    for name, f in items:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"`outputs`: names must be non-empty strings; got {name!r}.")
        if name in out:
            raise ParameterError(f"`outputs` names {name!r} twice.")
        if isinstance(f, str):
            if f not in OUTPUTS:
                raise UnknownNameError(
                    f"`outputs`: unknown built-in output {f!r}; known: {', '.join(OUTPUTS)}."
                )
        elif not callable(f):
            raise ParameterError(
                f"`outputs.{name}` must be a built-in name or a callable; got {f!r}."
            )
        out[name] = f
    return out


def _column(got: Any, rows: int, what: str) -> Array:
    """An output's values, one finite number per design row; ParameterError naming ``what``."""
    try:
        y = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        y = np.array(None)
    if y.shape != (rows,):
        raise ParameterError(
            f"{what} must return shape ({rows},), one number per run; got {short_repr(got)}."
        )
    if not np.isfinite(y).all():
        k = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ParameterError(f"{what} must return finite numbers; got {float(y[k])!r} (row {k}).")
    return y


def _users(fn: Callable[[Any], Any], arg: Any, failed: str) -> Any:
    """``fn(arg)``, a user's function: its own error as a ParameterError that begins with
    ``failed`` (the error is its cause); tariffsim's errors as they are."""
    try:
        return fn(arg)
    except TariffsimError:
        raise
    except Exception as e:
        raise ParameterError(f"{failed}: {type(e).__name__}: {short_repr(str(e))}") from e


def _eval_outputs(
    batch: Any,
    outputs: Mapping[str, Callable[[Any], Array] | str],
    runs: int,
    focus: _Focus | None = None,
) -> Array:
    cols = []
    for name, f in outputs.items():
        if isinstance(f, str):
            got = OUTPUTS[f](batch, focus)
        else:
            got = _users(f, batch, f"output {name!r} failed on a chunk of runs")
        y = _column(got, runs, f"output {name!r}")
        cols.append(y)
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------
def _check_range(
    path: str, lo: Any, hi: Any, arg: str = "params", *, label: str | None = None
) -> tuple[float, float]:
    what = label or f"`{arg}.{path}`"
    try:
        lo_f, hi_f = float(lo), float(hi)
        if isinstance(lo, str | bytes | bool) or isinstance(hi, str | bytes | bool):
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"{what}: range must be two finite numbers; got ({short_repr(lo)}, {short_repr(hi)})."
        ) from None
    if not (math.isfinite(lo_f) and math.isfinite(hi_f)) or not lo_f < hi_f:
        raise ParameterError(f"{what}: range must be finite with low < high; got ({lo!r}, {hi!r}).")
    return lo_f, hi_f


def check_path_range(
    path: str, lo: Any, hi: Any, arg: str = "params", *, label: str | None = None
) -> tuple[float, float]:
    """A range ``(lo, hi)`` of parameter path ``path``: two finite numbers, ``lo < hi``, both
    within the parameter's own range (the error names the ends, before any value is drawn).

    Errors begin with ``label`` (default ```arg.path```, as the API spells it).
    """
    from .. import parampath

    lo_f, hi_f = _check_range(path, lo, hi, arg, label=label)
    for end in (lo_f, hi_f):
        try:
            parampath.validate_values(parampath.parse(path), end)
        except ParameterError as e:  # (its range, or the bound ±MAGNITUDE of every path)
            raise ParameterError(
                f"{label or f'`{arg}.{path}`'}: range ({lo_f:g}, {hi_f:g}) goes outside what "
                f"the parameter takes: {e}"
            ) from None
    return lo_f, hi_f


def resolve_bounds(
    game: Game, params: Any, *, factor: float = DEFAULT_FACTOR, held: Sequence[str] = ()
) -> dict[str, tuple[float, float]]:
    """Parameter ranges ``{path: (low, high)}`` from ``params``.

    Parameters
    ----------
    game : Game
    params : "claims", mapping of path to (low, high), or sequence of paths
        ``"claims"``: ``{claim id: range}`` for every claim whose range sets
        a parameter of the game (see the module docs), but those a what-if's
        paths ``held`` hold (:func:`tariffsim.analysis.vary.claims_held`:
        their parameters keep the what-if's values). A mapping: the given
        ranges. A sequence: ``value * (1 ± factor)``
        around the game's value of each path, clipped to its domain.
    factor : float
        Half-width of the default range, relative to the value.
    held : sequence of str
        The scenario's :attr:`~tariffsim.scenario.Scenario.what_if` (with ``"claims"``).

    Raises
    ------
    UnknownNameError
        An unknown parameter path (with near matches).
    ParameterError
        A range that is not two finite numbers with low < high.
    """
    from .. import parampath

    if isinstance(params, str):
        if params != "claims":
            raise ParameterError(
                f"`params` must be 'claims', a mapping path -> (low, high) or a list of paths; "
                f"got {params!r}."
            )
        return _claims_bounds(game, held)
    if isinstance(params, Mapping):
        if not params:
            raise ParameterError("`params` is empty.")
        out = {}
        parampath.check_disjoint(params, "params")
        for path, rng in params.items():
            parampath.describe(path)  # unknown path -> UnknownNameError with near matches
            if not isinstance(rng, Sequence) or isinstance(rng, str) or len(rng) != 2:
                raise ParameterError(f"`params.{path}` must be (low, high); got {rng!r}.")
            out[str(path)] = check_path_range(path, *rng)
        return out
    if isinstance(params, Sequence) and not isinstance(params, str):
        if not params:
            raise ParameterError("`params` is empty.")
        if isinstance(factor, bool) or not (isinstance(factor, numbers.Real) and 0 < factor <= 10):
            raise ParameterError(f"`factor` must be in (0, 10]; got {factor!r}.")
        parampath.check_disjoint(params, "params")
        return {str(p): default_range(game, p, factor) for p in params}
    raise ParameterError(
        "`params` must be 'claims', a mapping path -> (low, high) or a list of paths; "
        f"got {params!r}."
    )


def default_range(game: Game, path: str, factor: float = DEFAULT_FACTOR) -> tuple[float, float]:
    """``value * (1 ± factor)`` around the game's value of ``path``, clipped to its domain."""
    from .. import parampath

    v = float(np.mean(parampath.default(game, path)))
    lo, hi = (v * (1 - factor), v * (1 + factor)) if v != 0 else (0.0, 2 * factor)
    lo, hi = min(lo, hi), max(lo, hi)
    dom = _domain(path)
    lo, hi = max(lo, dom[0]), min(hi, dom[1])
    if not lo < hi:
        raise ParameterError(
            f"`params`: no range around {path}={v:g} inside its domain {dom}; give (low, high)."
        )
    return lo, hi


def _domain(path: str) -> tuple[float, float]:
    """Valid values of a parameter path (:func:`tariffsim.parampath.describe`'s range)."""
    from .. import parampath

    info = parampath.describe(path)
    lo, hi = getattr(info, "low", None), getattr(info, "high", None)
    return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))


def _claim_factor_ids(game: Any, held: Sequence[str] = ()) -> tuple[str, ...]:
    from .vary import claim_distributions, claims_held

    skip = claims_held(game, held) if held else {}
    return tuple(cd.claim for cd in claim_distributions(game) if cd.claim not in skip)


def _claims_bounds(game: Game, held: Sequence[str] = ()) -> dict[str, tuple[float, float]]:
    """The claims with a range that set a parameter of ``game`` and that no path of a
    what-if ``held`` holds: ``{claim id: range}``."""
    from ..claims import load_claims

    cl = load_claims()
    ids = _claim_factor_ids(game, held)
    if not ids:
        raise ParameterError(
            f"`params='claims'`: no claim with a range sets a parameter of {game.name!r}"
            + (" that the what-if leaves free" if _claim_factor_ids(game) else "")
            + "; give parameter paths and ranges."
        )
    return {c: _check_range(c, *getattr(cl[c], "range")) for c in ids}  # noqa: B009


# ---------------------------------------------------------------------------
# design and analysis (shared by the model and plain functions)
# ---------------------------------------------------------------------------
def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [list(b) for b in bounds.values()],
    }


def _check_n(method: str, n: Any, k: int, replicates: int = 1) -> int:
    if not one_of(method, METHODS):
        raise ParameterError(
            f"`method` must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ParameterError(f"`n` must be an int >= 2; got {n!r}.")
    if method == "sobol" and (n & (n - 1)) != 0:
        raise ParameterError(f"`n` must be a power of 2 for method 'sobol'; got {n!r}.")
    runs = int(n) * (k + 2 if method == "sobol" else k + 1)
    limits.check("max_runs", runs * replicates, f"`n` = {n} gives design rows times replicates")
    return int(n)


def _need_salib() -> None:
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise MissingExtraError(
            "sensitivity analysis needs SALib: pip install 'tariffsim[sensitivity]'"
        ) from None


def _design(method: str, problem: Mapping[str, Any], n: int, seed: int) -> Array:
    _need_salib()
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        return np.asarray(sobol_sample.sample(problem, n, calc_second_order=False, seed=seed))
    from SALib.sample import morris as morris_sample

    return np.asarray(
        morris_sample.sample(problem, n, num_levels=NUM_LEVELS, seed=seed), dtype=float
    )


def _analyse(
    method: str,
    problem: Mapping[str, Any],
    X: Array,
    Y: Array,
    outputs: Sequence[str],
    seed: int,
    num_resamples: int,
) -> dict[str, dict[str, Array]]:
    idx: dict[str, dict[str, Array]] = {}
    keys = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else _MORRIS_KEYS
    constant = [name for k, name in enumerate(outputs) if _constant(Y[:, k])]
    D = len(problem["names"])
    flat = [
        name
        for k, name in enumerate(outputs)
        if method == "sobol" and name not in constant and _flat_base(Y[:, k], D)
    ]
    with warnings.catch_warnings():
        # a constant output has no index (nan, below); SALib also warns where only part of
        # the design's evaluations are equal, which is no fault of the output's
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
        for k, name in enumerate(outputs):
            y = Y[:, k]
            if name in constant or name in flat:
                nan = frozen_array(np.full(len(problem["names"]), np.nan))
                idx[name] = dict.fromkeys(keys, nan)
                continue
            if method == "sobol":
                from SALib.analyze import sobol as sobol_analyze

                # a Generator: SALib takes a seed of 0 as none (an unseeded bootstrap)
                r = sobol_analyze.analyze(
                    problem, y, calc_second_order=False, num_resamples=num_resamples,
                    conf_level=0.95, seed=np.random.default_rng(seed),
                )  # fmt: skip
            else:
                from SALib.analyze import morris as morris_analyze

                r = morris_analyze.analyze(
                    problem, X, y, num_resamples=num_resamples, conf_level=0.95,
                    num_levels=NUM_LEVELS, seed=seed,
                )  # fmt: skip
            idx[name] = {key: frozen_array(np.asarray(r[key], dtype=float)) for key in keys}
    if constant:
        warnings.warn(
            f"{', '.join(map(repr, constant))} "
            f"{'takes' if len(constant) == 1 else 'take'} one value over the whole design: no "
            "parameter in the ranges given moves it, so the indices are undefined (NaN). Widen "
            "the ranges, vary other parameters, or drop the output.",
            ConstantOutputWarning,
            stacklevel=3,
        )
    for name in flat:
        warnings.warn(
            f"{name!r} {_flat_said(Y[:, outputs.index(name)], D)}.",
            ConstantOutputWarning,
            stacklevel=3,
        )
    for name in outputs:
        y = Y[:, outputs.index(name)]
        why = _unsound(idx[name], problem["names"], y) if method == "sobol" else None
        if why is not None:
            warnings.warn(f"{name!r}: {why}", SampleSizeWarning, stacklevel=3)
    return idx


def _raise_n(y: Array | None) -> str:
    """What to do about unsound Sobol estimates, and why they are (the output moves in few
    runs, or the design is small for the spread it has)."""
    if y is not None and y.size and np.isfinite(y).all() and np.ptp(y) > 0:
        # the share of runs away from the median by more than a tenth of the output's range
        moved = float(np.mean(np.abs(y - np.median(y)) > 0.1 * np.ptp(y)))
        if moved < 0.1:
            return (
                f"the output moves in few of the design's runs ({100 * moved:.1f}% lie away "
                "from its median), too few for the estimators; raise `n`, or screen with "
                "`method` 'morris'."
            )
    return (
        "the design is too small for the spread of this output; raise `n`, or screen with "
        "`method` 'morris'."
    )


def _unsound(ix: Mapping[str, Array], names: Sequence[str], y: Array | None = None) -> str | None:
    """Why an output's Sobol estimates are not indices, or None: the worst of them (a 95%
    interval wholly outside [0, 1] by more than :data:`INDEX_SLACK`, or wider than [0, 1],
    or not a number), named with its parameter; ``y``, the output over the design, says why
    (:func:`_raise_n`)."""
    worst: tuple[float, str] | None = None
    for key in ("ST", "S1"):
        v, c = np.asarray(ix[key]), np.asarray(ix[f"{key}_conf"])
        for j, name in enumerate(names):
            if not np.isfinite(v[j]) and not np.isfinite(c[j]):
                continue  # an undefined index (NaN: a constant output), said elsewhere
            if not (np.isfinite(v[j]) and np.isfinite(c[j])):
                said = f"{key} of {name} is {v[j]:.3g} ± {c[j]:.3g}, not a number"
                bad = math.inf
            else:
                off = max(-INDEX_SLACK - (v[j] + c[j]), (v[j] - c[j]) - 1 - INDEX_SLACK)
                if off <= 0 and c[j] <= 0.5:
                    continue
                what = "outside" if off > 0 else "an interval wider than"
                said = (
                    f"{key} of {name} is {v[j]:.3g} ± {c[j]:.3g}, {what} [0, 1], where an "
                    "index lies"
                )
                bad = max(off, c[j])  # how far the estimate is from telling anything
            if worst is None or bad > worst[0]:
                worst = (bad, said)
    return None if worst is None else f"{worst[1]}: {_raise_n(y)}"


_MORRIS_KEYS = ("mu", "mu_star", "sigma", "mu_star_conf")


def _constant(y: Array) -> bool:
    """Whether the output ``y`` takes one value over the design."""
    return bool(y.size) and bool(np.all(y == y[0]))


def _base(y: Array, d: int) -> Array:
    """The outputs at the base samples (matrices A and B) of a Saltelli design of ``d``
    parameters without second-order terms: rows ``j (d + 2)`` and ``j (d + 2) + d + 1``."""
    step = d + 2
    return np.r_[y[0::step], y[step - 1 :: step]]


def _flat_said(y: Array, d: int) -> str:
    """Why the Sobol indices of an output flat on the base samples (or whose variance there
    overflows) are undefined."""
    base = _base(y, d)
    if not np.isfinite(_base_var(y, d)):
        return (
            f"has a variance over the base samples of the Sobol design beyond any float "
            f"(values up to {np.abs(y).max():.3g}): the indices are undefined (NaN), not zero; "
            "express the output in larger units"
        )
    if np.ptp(base) == 0:
        other = int(np.count_nonzero(y != base[0]))
        return (
            f"takes one value ({base[0]:g}) at every base sample of the Sobol design and "
            f"differs from it in only {other} of its {len(y)} runs, so its variance, the "
            "indices' denominator, is estimated as zero: the indices are undefined (NaN), not "
            "zero; raise `n` so that the base samples reach the rare runs"
        )
    return (
        f"varies over the base samples of the Sobol design by only {np.ptp(base):.3g} "
        f"(variance {np.var(base):.3g}, which SALib's estimators take as zero, at or below "
        f"{np.finfo(float).eps:.3g}): the indices are undefined (NaN), not zero; express the "
        "output in smaller units, or raise `n` if it varies elsewhere"
    )


def _flat_base(y: Array, d: int) -> bool:
    """Whether a Sobol output is flat on the base samples, where the estimators take the
    output's variance: SALib gives indices of 0 wherever that variance is at most machine
    epsilon, however the other rows vary, and where it overflows (a division by inf)."""
    v = _base_var(y, d)
    return bool(not np.isfinite(v) or v <= np.finfo(float).eps)


def _base_var(y: Array, d: int) -> float:
    """The variance of the output at the base samples (inf where it overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.var(_base(y, d)))


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Sensitivity indices of each output to each parameter.

    Attributes
    ----------
    method : {"sobol", "morris"}
    params : tuple of str
        Parameter paths (or names, for a plain function), design column order.
    bounds : mapping of str to (float, float)
        The range each parameter was varied over.
    outputs : tuple of str
    indices : mapping of str to mapping of str to ndarray (k,)
        Per output: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol; ``_conf``
        is the half-width of the 95% interval) or ``mu``, ``mu_star``,
        ``sigma``, ``mu_star_conf`` (Morris).
    X : ndarray (runs, k)
        The design (one row per model run).
    Y : ndarray (runs, len(outputs))
        The outputs of each run.
    n, seed : int
        Base sample size and seed of the design.
    meta : mapping
        Scenario name, the seeds of the runs, …
    """

    method: str
    params: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]
    outputs: tuple[str, ...]
    indices: Mapping[str, Mapping[str, Array]]
    X: Array
    Y: Array
    n: int
    seed: int
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """Number of model runs: the design's rows times the replicates each was averaged
        over (``meta["replicates"]``, 1 for a function's analysis)."""
        return int(self.X.shape[0]) * self._replicates

    @property
    def _replicates(self) -> int:
        r = self.meta.get("replicates", 1)
        return int(r) if isinstance(r, int | np.integer) and r >= 1 else 1

    def _runs_text(self) -> str:
        """``"12 runs"``, or ``"36 runs (12 design rows x 3 replicates)"``."""
        rows = int(self.X.shape[0])
        if self._replicates == 1:
            return f"{rows} runs"
        return f"{self.runs} runs ({rows} design rows x {self._replicates} replicates)"

    @property
    def main_index(self) -> str:
        """The index that ranks parameters: ``ST`` (Sobol) or ``mu_star`` (Morris)."""
        return "ST" if self.method == "sobol" else "mu_star"

    def _out(self, output: str | None) -> str:
        """``output``, checked; by default the first output with indices (the first of all
        when none has: a constant output's indices are NaN, its chart a sentence)."""
        if output is None:
            defined = [o for o in self.outputs if self._undefined(o) is None]
            return (defined or list(self.outputs))[0]
        if output not in self.outputs:
            raise UnknownNameError(
                f"unknown output {output!r}; outputs: {', '.join(self.outputs)}."
            )
        return output

    def ranking(self, output: str | None = None, k: int | None = None) -> tuple[str, ...]:
        """Parameters from most to least influential on ``output`` (by :attr:`main_index`;
        default: the first output with indices, as :meth:`plot`'s).

        NaN indices (an output that does not vary) rank last.
        """
        out = self._out(output)
        if k is not None and (isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0):
            raise ParameterError(f"`k` must be an int >= 0 or None; got {short_repr(k)}.")
        v = np.nan_to_num(np.asarray(self.indices[out][self.main_index]), nan=-np.inf)
        order = np.argsort(-v, kind="stable")
        names = tuple(self.params[i] for i in order)
        return names if k is None else names[:k]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per (output, parameter): the parameter's range (``low``, ``high``), the
        indices and their intervals, the dyad a
        built-in output read (``focus``; ``""`` for a callable's) and whether the output's
        estimates are sound (``reliable``: False where the table marks it NOT RELIABLE, and
        for an output whose indices are undefined, NaN: one constant over the design)."""
        out = []
        read = self.meta.get("focus_outputs", ())
        for o in self.outputs:
            sound = self._unreliable(o) is None
            for j, p in enumerate(self.params):
                low, high = self.bounds[p]  # the range the design drew it over
                row: dict[str, Any] = {"output": o, "param": p, "low": low, "high": high}
                for key, arr in self.indices[o].items():
                    row[key] = float(arr[j])
                row["focus"] = self.meta.get("focus", "") if o in read else ""
                row["reliable"] = sound
                out.append(row)
        return out

    def to_frame(self) -> Any:
        """The indices as a pandas DataFrame indexed by (output, param).

        Raises
        ------
        ImportError
            Without pandas (``pip install 'tariffsim[pandas]'``); :meth:`table` needs none.
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "SensitivityResult.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        return pd.DataFrame(self.rows()).set_index(["output", "param"])

    @property
    def constant(self) -> tuple[str, ...]:
        """The outputs that take one value over the whole design (their indices are NaN)."""
        return tuple(o for k, o in enumerate(self.outputs) if _constant(self.Y[:, k]))

    def _undefined(self, output: str) -> str | None:
        """Why ``output``'s indices are NaN (constant, or a Sobol output flat on the base
        samples), or None."""
        y = self.Y[:, self.outputs.index(output)]
        if _constant(y):
            return f"constant over the design ({float(y[0]):g}): no parameter moves it"
        if self.method == "sobol" and _flat_base(y, len(self.params)):
            return _flat_said(y, len(self.params))
        return None

    def _unreliable(self, output: str) -> str | None:
        """Why ``output``'s estimates cannot be read as indices (undefined, or a Sobol
        estimate no index can be: :func:`_unsound`), or None."""
        why = self._undefined(output)
        if why is not None or self.method != "sobol":
            return why
        y = self.Y[:, self.outputs.index(output)]
        return _unsound(self.indices[output], self.params, y)

    def ranges(self, *, width: int = 100) -> str:
        """The range each parameter was drawn over, as text (``noise [0, 1], ...``), wrapped
        at ``width`` characters: a path given without a range takes its value ±50%
        (:func:`default_range`; ``[0, 1]`` for a value of 0), clipped to its domain; a claim,
        its range."""
        width = whole_number(width, "width", 20)
        said = ", ".join(f"{p} [{lo:g}, {hi:g}]" for p, (lo, hi) in self.bounds.items())
        return "\n".join(textwrap.wrap("ranges: " + said, width, subsequent_indent="  "))

    def table(self, output: str | None = None, *, width: int = 100) -> str:
        """The indices as text, parameters ranked per output; no pandas needed.

        Sobol columns: ``S1 ± conf`` and ``ST ± conf``; Morris: ``mu*  ± conf``,
        ``mu`` and ``sigma``. An output that takes one value over the design has one line
        saying so instead (its indices are NaN).
        """
        width = whole_number(width, "width", 20)
        outs = self.outputs if output is None else (self._out(output),)
        lines = []
        pw = max(len(p) for p in self.params)
        for o in outs:
            ix = self.indices[o]
            lines.append(f"{o} ({self.method}, n={self.n}, {self._runs_text()})")
            why = self._undefined(o)
            if why is not None:
                lines += textwrap.wrap(why, width, initial_indent="  ", subsequent_indent="  ")
                continue
            if self.method == "sobol":
                bad = self._unreliable(o)
                if bad is not None:
                    lines += textwrap.wrap(
                        "NOT RELIABLE: " + bad, width, initial_indent="  ", subsequent_indent="  "
                    )
                lines.append(f"  {'parameter':<{pw}}  {'S1':>7} {'±':>6}  {'ST':>7} {'±':>6}")
            else:
                lines.append(f"  {'parameter':<{pw}}  {'mu*':>9} {'±':>8}  {'mu':>9}  {'sigma':>9}")
            for p in self.ranking(o):
                j = self.params.index(p)
                if self.method == "sobol":
                    s = (
                        f"  {p:<{pw}}  {ix['S1'][j]:>7.3f} {ix['S1_conf'][j]:>6.3f}  "
                        f"{ix['ST'][j]:>7.3f} {ix['ST_conf'][j]:>6.3f}"
                    )
                else:
                    s = (
                        f"  {p:<{pw}}  {ix['mu_star'][j]:>9.4g} {ix['mu_star_conf'][j]:>8.3g}  "
                        f"{ix['mu'][j]:>9.4g}  {ix['sigma'][j]:>9.4g}"
                    )
                lines.append(s if len(s) <= width else s[: width - 1] + "…")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<SensitivityResult {self.method} n={self.n}: {len(self.params)} params, "
            f"outputs {', '.join(self.outputs)}, {self._runs_text()}>"
        )

    @literal_text
    def plot(self, output: str | None = None, *, ax: Axes | None = None) -> Axes:
        """Tornado chart: parameters ranked by influence on ``output``, with 95% intervals.

        ``output`` defaults to the first output whose indices are defined (one no
        parameter moves has none).

        Sobol: bars of the total index ``ST`` with the first-order ``S1``
        drawn inside them, each with its interval. Morris: bars of
        ``mu*`` with its interval and ``sigma`` as a marker.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from ..plotting import PALETTE, _new_axes

        out = self._out(output)
        ax = _new_axes(ax)
        name = self.meta.get("scenario", "")
        why = self._undefined(out)
        if why is not None:
            said = "\n".join(textwrap.wrap(f"{out}: {why}", 60))
            ax.text(0.5, 0.5, said, ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            ax.set_title(f"{out}: sensitivity ({self.method}{', ' + name if name else ''})")
            return ax
        order = list(reversed(self.ranking(out)))  # most influential on top
        j = [self.params.index(p) for p in order]
        y = np.arange(len(order))
        ix = self.indices[out]
        if self.method == "sobol":
            ax.barh(y, np.nan_to_num(ix["ST"][j]), xerr=np.nan_to_num(ix["ST_conf"][j]),
                    height=0.7, color=PALETTE[0], alpha=0.45, label="total (ST)",
                    error_kw={"ecolor": PALETTE[0], "capsize": 3})  # fmt: skip
            ax.barh(y, np.nan_to_num(ix["S1"][j]), xerr=np.nan_to_num(ix["S1_conf"][j]),
                    height=0.35, color=PALETTE[1], label="first order (S1)",
                    error_kw={"ecolor": PALETTE[1], "capsize": 2})  # fmt: skip
            ax.set_xlabel("Sobol index (share of output variance), 95% intervals")
        else:
            mu_star, conf = ix["mu_star"][j], ix["mu_star_conf"][j]
            # the interval cut at 0: mu*, a mean of absolute effects, is never below it
            ax.barh(y, mu_star, xerr=np.vstack([np.minimum(conf, mu_star), conf]), height=0.6,
                    color=PALETTE[0], alpha=0.6, label="mu* (mean |elementary effect|)",
                    error_kw={"ecolor": PALETTE[0], "capsize": 3})  # fmt: skip
            ax.plot(ix["sigma"][j], y, "D", color=PALETTE[1], label="sigma")
            ax.set_xlabel(f"Morris elementary effects on {out}, 95% interval on mu*")
        ax.set_yticks(y, order)
        ax.axvline(0, color="0.5", lw=0.8)
        title = f"{out}: sensitivity ({self.method}{', ' + name if name else ''})"
        bad = self._unreliable(out)
        if bad is not None:  # the chart says it as the table does: no share of variance here
            # (under the title, above the bars: clear of the legend and of any bar)
            title = "\n".join(["NOT RELIABLE: " + title, *textwrap.wrap(bad, 90)])
        text = ax.set_title(title, fontsize=None if bad is None else 8)
        if bad is not None:
            text.set_color("#B22222")
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        return ax


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------
MAX_RESAMPLES = 100_000
"""Most bootstrap resamples of the intervals (each holds a copy of the outputs)."""


def _check_resamples(v: Any) -> int:
    """Two at least (one resample has no spread: its interval is NaN), and a bound."""
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 2 <= v <= MAX_RESAMPLES:
        raise ParameterError(
            f"`num_resamples` must be an int in [2, {MAX_RESAMPLES:,}]; got {short_repr(v)}."
        )
    return int(v)


def analyse_function(
    fn: Callable[[Array], Any],
    bounds: Mapping[str, tuple[float, float]],
    *,
    method: Method = "sobol",
    n: int = 1024,
    seed: int = 0,
    output: str = "y",
    num_resamples: int = 100,
) -> SensitivityResult:
    """Sensitivity of a plain vectorised function (the design and analysis of :func:`sensitivity`).

    Parameters
    ----------
    fn : callable
        ``fn(X) -> y``: ``X`` of shape ``(runs, k)`` in the column order of
        ``bounds``, ``y`` of shape ``(runs,)``.
    bounds : mapping of str to (float, float)
        Each input's range (uniform).
    method, n, seed, num_resamples
        As for :func:`sensitivity`.
    output : str
        Name of the output.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    The Ishigami function (Ishigami & Homma 1990) has known indices:

    >>> from tariffsim.analysis.sensitivity import analyse_function
    >>> def ishigami(x, a=7.0, b=0.1):
    ...     return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    >>> pi = float(np.pi)
    >>> res = analyse_function(ishigami, {"x1": (-pi, pi), "x2": (-pi, pi), "x3": (-pi, pi)},
    ...                        n=1024, seed=1)
    >>> np.round(res.indices["y"]["S1"], 1)
    array([0.3, 0.4, 0. ])
    """
    seed = check_seed(seed)
    if not callable(fn):
        raise ParameterError(f"`fn` must be a function of the design; got {short_repr(fn)}.")
    if not isinstance(output, str) or not output:
        raise ParameterError(
            f"`output` must be a name (a non-empty str); got {short_repr(output)}."
        )
    if not isinstance(bounds, Mapping):
        raise ParameterError(
            f"`bounds` must be a mapping of name to (low, high); got {short_repr(bounds)}."
        )
    for k, v in bounds.items():
        if isinstance(v, str | bytes) or not isinstance(v, Sequence) or len(v) != 2:
            raise ParameterError(f"`bounds[{k!r}]` must be (low, high); got {short_repr(v)}.")
    names = [str(k) for k in bounds]
    if len(set(names)) < len(names):
        twice = sorted({k for k in names if names.count(k) > 1})
        raise ParameterError(
            f"`bounds`: keys {twice} name the same input twice (as text); give distinct names."
        )
    b = {str(k): _check_range(str(k), *v, arg="bounds") for k, v in bounds.items()}
    if not b:
        raise ParameterError("`bounds` is empty.")
    n = _check_n(method, n, len(b))
    num_resamples = _check_resamples(num_resamples)
    problem = _problem(b)
    X = _design(method, problem, n, seed)
    y = _column(_users(fn, X, "`fn` failed on the design"), X.shape[0], "`fn`")
    Y = y[:, None]
    idx = _analyse(method, problem, X, Y, (output,), seed, num_resamples)
    return SensitivityResult(
        method=method, params=tuple(b), bounds=b, outputs=(output,), indices=idx,
        X=frozen_array(X), Y=frozen_array(Y), n=n, seed=seed,
    )  # fmt: skip


def sensitivity(
    sc: Any,
    params: Any = "claims",
    outputs: Any = None,
    *,
    method: Method = "sobol",
    n: int = 1024,
    seed: int = 0,
    rounds: int | None = None,
    replicates: int = 1,
    num_resamples: int = 100,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    recalibrate: bool = True,
    focus: Any = None,
) -> SensitivityResult:
    """Global sensitivity of scalar outputs of a scenario's path to its parameters.

    Parameters
    ----------
    sc : Scenario, Game or str
        The scenario (a bundled name or a file's path is loaded with
        :func:`tariffsim.load_scenario`) or game.
    params : "claims", mapping of path to (low, high), or sequence of paths
        What to vary and over which range (see :func:`resolve_bounds`).
        Paths are those of :mod:`tariffsim.parampath`.
    outputs : name, list of names or mapping of name to callable, optional
        Built-in names: ``peak``, ``first_cut_week``, ``settled_us``,
        ``cumulative_gdp_loss`` (all four by default; see the module docs).
        A callable takes a compact :class:`~tariffsim.engine.PathBatch` and
        returns one float per run.
    method : {"sobol", "morris"}
    n : int
        Sobol: base sample size, a power of 2 (``n * (k + 2)`` runs).
        Morris: number of trajectories (``n * (k + 1)`` runs).
    seed : int
        Seeds the design (SALib's sampler and bootstrap) and the runs: every
        run uses ``SeedSequence(seed)`` (common random numbers).
    rounds : int, optional
        Rounds per run (default the game's).
    replicates : int
        Seeds per design point (children of ``SeedSequence(seed)``, the same
        for every point); outputs are averaged over them. 1 by default.
    num_resamples : int
        Bootstrap resamples for the intervals.
    executor, chunk_size, progress
        Where and how the runs are executed (see
        :func:`tariffsim.analysis.runner.map_chunks`). Results do not depend
        on them.
    processes : int, optional
        Run the design on a process pool of this many workers, started for this
        call and shut down after it (:func:`tariffsim.analysis.runner.local_pool`);
        an alternative to ``executor``. Default None: in this process.
    recalibrate : bool, default True
        With parameter paths: each design point is the what-if
        ``sc.with_params(point)``, its calibrated fields re-solved where the
        point moves the calibration (as in :func:`tariffsim.ensemble`;
        :func:`tariffsim.analysis.vary.as_what_ifs`), so the indices measure
        a parameter with the calibration targets held. False: the values are
        applied as they are. ``params="claims"`` recalibrates by the claims'
        own rules, and refuses False (it would have no effect).
    focus : dyad, optional
        The dyad the built-in outputs read (``"US-CN"``, ``"US->CN"`` or
        ``("US", "CN")``), or an export control (``("control", "CN->US")`` or
        ``"control:CN-US"``: the outputs then read the control, a share
        withheld, and the withholder's loss). Default: the first dyad the
        game plays (:meth:`~tariffsim.game.Game.played_dyads`).

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ParameterError, UnknownNameError
        Bad arguments, before any run.
    """
    from ..scenario import resolve
    from .runner import check_executor, check_processes, local_pool

    what, game = resolve(sc)
    seed = check_seed(seed)
    check_bool(recalibrate, "recalibrate")
    if isinstance(params, str) and params == "claims":
        from .vary import check_claims_recalibrate

        check_claims_recalibrate(recalibrate, "params")
    replicates = whole_number(replicates, "replicates", 1)
    if rounds is not None:
        rounds = whole_number(rounds, "rounds", 1)
        limits.check("max_rounds", rounds, "rounds")
    check_executor(executor)
    n_proc = check_processes(processes, executor)
    outs = _resolve_outputs(outputs)
    builtin = tuple(name for name, f in outs.items() if isinstance(f, str))
    if focus is not None and not builtin:
        raise ParameterError(
            f"`focus` ({short_repr(focus)}) is the dyad the built-in outputs read; the outputs "
            "given are all callables, which read the batch themselves: leave `focus` out."
        )
    dyad = game_focus(game, focus) if builtin else None
    _check_n(method, n, 1)
    what_if = tuple(getattr(what, "what_if", ()))
    bounds = resolve_bounds(game, params, held=what_if)
    n = _check_n(method, n, len(bounds), replicates)  # before the design is made
    num_resamples = _check_resamples(num_resamples)
    problem = _problem(bounds)
    X = _design(method, problem, n, seed)
    by_claims = isinstance(params, str)
    if by_claims:
        from .vary import warn_claims_held

        warn_claims_held(game, what_if, "params")
    else:
        from .. import parampath

        parampath.warn_replaced_beliefs(game, list(bounds), "params")
    ov = design_overrides(game, list(bounds), X, claims=by_claims, held=what_if)
    if recalibrate and not by_claims:
        from .vary import as_what_ifs

        ov = as_what_ifs(
            game, ov, X.shape[0], held=getattr(what, "what_if", ()), arg="params",
            row="design point",
        )  # fmt: skip
    with local_pool(min(n_proc, X.shape[0])) as own:
        Y = _run_design(game, ov, X.shape[0], outs, focus=dyad,
                        seed=seed, rounds=rounds,
                        replicates=replicates, executor=own or executor, chunk_size=chunk_size,
                        progress=progress, desc=f"sensitivity ({method})")  # fmt: skip
    idx = _analyse(method, problem, X, Y, tuple(outs), seed, num_resamples)
    return SensitivityResult(
        method=method, params=tuple(bounds), bounds=bounds, outputs=tuple(outs),
        indices=idx, X=frozen_array(X), Y=frozen_array(Y), n=n, seed=seed,
        meta={"scenario": getattr(what, "name", "") or getattr(game, "name", ""),
              "rounds": rounds or game.rounds, "replicates": replicates,
              "focus": "" if dyad is None else f"{dyad[0]}->{dyad[1]}"
                       + (" control" if len(dyad) == 3 else ""),
              "focus_outputs": builtin,
              "factors": "claims" if by_claims else "parameter paths"},
    )  # fmt: skip


# ---------------------------------------------------------------------------
# running a design through the engine
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _DesignJob:
    game: Any
    rounds: int | None
    seed: int
    replicates: int
    outputs: Mapping[str, Any]
    focus: _Focus | None = None


def _common_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    root = np.random.SeedSequence(seed)
    return [root] if replicates == 1 else root.spawn(replicates)


def _design_chunk(job: _DesignJob, start: int, stop: int, values: Mapping[str, Array]) -> Array:
    """Outputs of design rows ``start .. stop-1``: one batch per replicate seed."""
    from ..engine import simulate_batch

    m = stop - start
    acc = np.zeros((m, len(job.outputs)))
    for s in _common_seeds(job.seed, job.replicates):
        batch = simulate_batch(
            job.game,
            job.rounds,
            seeds=[s] * m,
            overrides={p: np.asarray(v, dtype=float) for p, v in values.items()},
            record="compact",
        )
        acc += _eval_outputs(batch, job.outputs, m, job.focus)
    return acc / job.replicates


def _run_design(
    game: Any,
    overrides: Mapping[str, Array],
    runs: int,
    outputs: Mapping[str, Any],
    *,
    seed: int,
    rounds: int | None,
    replicates: int = 1,
    executor: Any = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    desc: str = "design",
    focus: _Focus | None = None,
) -> Array:
    """Outputs ``(runs, len(outputs))`` of runs with per-run ``overrides`` (path -> (runs,));
    the built-in outputs read dyad ``focus`` (None: :func:`focus_dyad` of each batch)."""
    from .runner import map_chunks

    job = _DesignJob(
        game=game, rounds=rounds, seed=seed, replicates=replicates, outputs=outputs, focus=focus
    )
    payload = {p: np.ascontiguousarray(v, dtype=float) for p, v in overrides.items()}
    parts = map_chunks(
        _design_chunk, job, runs, payload=payload, chunk_size=chunk_size,
        executor=executor, progress=progress, desc=desc, size_of=len,
        live=replicates == 1,  # one batch per chunk: its bar moves round by round
    )  # fmt: skip
    return np.concatenate(parts, axis=0)


def design_overrides(
    game: Any, params: Sequence[str], X: Array, *, claims: bool = False, held: Sequence[str] = ()
) -> dict[str, Array]:
    """Per-run overrides ``{path: (runs,)}`` of a design ``X`` whose columns are ``params``.

    Parameter paths pass through; with ``claims=True`` the columns are claim
    ids (``params="claims"``), turned into the parameter values they set by
    :func:`tariffsim.analysis.vary.overrides_from_claims`.
    """
    cols = {p: X[:, k] for k, p in enumerate(params)}
    if not claims:
        return cols
    from .vary import overrides_from_claims

    return dict(overrides_from_claims(game, cols, held=held, arg="params", row="design point"))
