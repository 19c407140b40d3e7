"""Ensembles: runs equal direct simulations, any chunking/executor, bands and odds, bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis import Normal, Triangular, Uniform
from tariffsim.analysis.distributions import draw_range
from tariffsim.analysis.ensemble import INDICATORS
from tariffsim.analysis.reduce import Threshold
from tariffsim.analysis.vary import (
    CLAIM_PARAMETERS,
    RANGES_NOT_PARAMETERS,
    claims_held,
    draws_from_claims,
    overrides_from_claims,
)
from tariffsim.errors import LimitError, ParameterError, UnknownNameError, WhatIfHeldWarning
from tariffsim.payoffs import (
    CALIBRATED_FIELDS,
    PayoffModel,
    april_2025_states,
    calibration_state,
)

# plain pass-through paths on us-china-145 are what these tests vary (they move the
# calibration); that they replace the US's belief is said, and tested, in test_analysis_inputs
pytestmark = pytest.mark.filterwarnings("ignore::tariffsim.errors.BeliefReplacedWarning")

R, T = 6, 8


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def ens(sc: ts.Scenario) -> ts.Ensemble:
    return ts.ensemble(sc, runs=R, seed=11, vary="claims", rounds=T)


@pytest.fixture(scope="module")
def direct(sc: ts.Scenario, ens: ts.Ensemble) -> list[ts.Path]:
    """Each run simulated on its own with ``simulate``, its seed and its drawn parameters."""
    seeds = np.random.SeedSequence(11).spawn(R)
    out = []
    for k in range(R):
        g = parampath.apply(sc.game, ens.run(k).draws)
        out.append(ts.simulate(g, T, rng=np.random.default_rng(seeds[k])))
    return out


def _assert_same(a: ts.Ensemble, b: ts.Ensemble) -> None:
    for name in ("tariff", "control", "recession", "approval", "payoff", "drawdown"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.draws.keys() == b.draws.keys()
    for k in a.draws:
        np.testing.assert_array_equal(a.draws[k], b.draws[k])


def test_each_run_equals_simulate_with_its_seed_and_draws(
    ens: ts.Ensemble, direct: list[ts.Path]
) -> None:
    for k, p in enumerate(direct):
        for a, b in ens.dyads:
            np.testing.assert_array_equal(ens.run(k).series(a, b), p.series(a, b))
        np.testing.assert_array_equal(ens.recession[k], p.recession)
        np.testing.assert_array_equal(ens.approval[k], p.approval)
        np.testing.assert_array_equal(ens.payoff[k], p.payoff)


def test_quantiles_and_prob_match_direct_runs(ens: ts.Ensemble, direct: list[ts.Path]) -> None:
    q = [0.1, 0.5, 0.9]
    us_cn = np.stack([p.series("US", "CN") for p in direct])
    np.testing.assert_allclose(ens.quantiles("US", "CN", q).values, np.quantile(us_cn, q, axis=0))
    rec = np.stack([p.recession[:, p.codes.index("US")] for p in direct])
    np.testing.assert_allclose(
        ens.quantiles("recession", "US", q).values, np.quantile(rec, q, axis=0)
    )
    level = float(np.median([p.peak("US", "CN") for p in direct]))
    want = np.mean([p.peak("US", "CN") >= level for p in direct])
    assert ens.prob(lambda p: p.peak("US", "CN") >= level) == want
    assert ens.prob(ens.peak("US", "CN") >= level) == want
    first = [next((r for r in range(len(p)) if p.series("US", "CN")[r] >= 0.2), -1) for p in direct]
    np.testing.assert_array_equal(ens.first_round("US", "CN", at_least=0.2), first)


def test_bands_are_dated_and_ordered(ens: ts.Ensemble) -> None:
    b = ens.quantiles("US", "CN", q=[0.05, 0.5, 0.95])
    assert b.dates[0] == ens.dates[0] and len(b.dates) == T + 1
    assert np.all(np.diff(b.values, axis=0) >= 0)
    np.testing.assert_array_equal(b[0.5], b.values[1])
    assert b.rows()[3]["date"] == str(ens.dates[3])


@given(chunk=st.integers(1, 7))
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_chunk_size_same_ensemble(sc: ts.Scenario, ens: ts.Ensemble, chunk: int) -> None:
    other = ts.ensemble(sc, runs=R, seed=11, vary="claims", rounds=T, chunk_size=chunk)
    _assert_same(other, ens)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_executors_equal_in_process(sc: ts.Scenario, ens: ts.Ensemble, kind: str) -> None:
    pool = ThreadPoolExecutor(2) if kind == "thread" else ProcessPoolExecutor(2)
    with pool as ex:
        got = ts.ensemble(sc, runs=R, seed=11, vary="claims", rounds=T, executor=ex, chunk_size=2)
    _assert_same(got, ens)


def test_processes_equal_in_process_and_leave_no_worker(
    sc: ts.Scenario, ens: ts.Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    sent: list[int] = []
    submit = ProcessPoolExecutor.submit

    def counted(self: ProcessPoolExecutor, *a: Any, **k: Any) -> Any:
        sent.append(self._max_workers)
        return submit(self, *a, **k)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", counted)
    got = ts.ensemble(sc, runs=R, seed=11, vary="claims", rounds=T, processes=2, chunk_size=2)
    _assert_same(got, ens)
    assert len(sent) >= -(-R // 2) and set(sent) == {2}  # every chunk went to a pool of 2
    assert multiprocessing.active_children() == []  # the call's pool is shut down


def test_processes_refuse_an_executor_too(sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_work(monkeypatch)
    with ThreadPoolExecutor(1) as ex, pytest.raises(ParameterError, match="alternatives"):
        ts.ensemble(sc, runs=2, processes=2, executor=ex)


def test_draws_reproducible_and_independent_per_path(sc: ts.Scenario) -> None:
    vary = {"noise": Uniform(0.0, 0.2), "face_weight.US": Triangular(0.0, 0.5, 1.0)}
    a = ts.ensemble(sc, runs=4, seed=3, vary=vary, rounds=3)
    b = ts.ensemble(sc, runs=4, seed=3, vary=dict(reversed(vary.items())), rounds=3)
    c = ts.ensemble(sc, runs=4, seed=3, vary={"noise": Uniform(0.0, 0.2)}, rounds=3)
    d = ts.ensemble(sc, runs=4, seed=4, vary=vary, rounds=3)
    np.testing.assert_array_equal(a.draws["noise"], b.draws["noise"])
    np.testing.assert_array_equal(a.draws["noise"], c.draws["noise"])
    assert not np.array_equal(a.draws["noise"], d.draws["noise"])
    assert np.all((a.draws["noise"] >= 0) & (a.draws["noise"] <= 0.2))


def test_explicit_values_per_run(sc: ts.Scenario) -> None:
    e = ts.ensemble(sc, runs=3, vary={"face_weight.US": [0.0, 1.0, 2.0]}, rounds=2)
    np.testing.assert_array_equal(e.draws["face_weight.US"], [0.0, 1.0, 2.0])


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr("tariffsim.engine.simulate_batch", boom)


@pytest.mark.parametrize(
    ("kw", "err", "match"),
    [
        ({"runs": 0}, ParameterError, "`runs` must be an int >= 1"),
        ({"runs": 2, "seed": -1}, ParameterError, "`seed`"),
        ({"runs": 2, "vary": "everything"}, ParameterError, "`vary` must be None, 'claims'"),
        ({"runs": 2, "vary": {"face_wieght.US": Uniform(0, 1)}}, UnknownNameError, "face_weight"),
        ({"runs": 2, "vary": {"noise": "uniform"}}, ParameterError, r"`vary\['noise'\]`"),
        ({"runs": 2, "vary": {"noise": [0.1]}}, ParameterError, r"shape \(2,\)"),
        ({"runs": 50, "vary": {"pass_through.US.CN": Normal(0.9, 0.5)}}, ParameterError,
         "pass_through"),
        ({"runs": 2, "executor": "local"}, ParameterError, "`executor`"),
        ({"runs": 2, "chunk_size": 0}, ParameterError, "`chunk_size`"),
        ({"runs": 2, "processes": 0}, ParameterError, "`processes` must be an int >= 1; got 0"),
        ({"runs": 2, "processes": 2.5}, ParameterError, "`processes` must be an int"),
        ({"runs": 2, "processes": "2"}, ParameterError, "`processes` must be an int"),
        ({"runs": 2, "processes": 10**6}, LimitError, "max_workers"),
        ({"runs": 2, "progress": "no"}, ParameterError, "`progress`"),
        ({"runs": 2, "rounds": 0}, ParameterError, "`rounds`"),
    ],
)  # fmt: skip
def test_bad_input_fails_before_any_run(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch, kw: dict, err: type, match: str
) -> None:
    _no_work(monkeypatch)
    with pytest.raises(err, match=match):
        ts.ensemble(sc, **kw)


def test_not_a_game() -> None:
    with pytest.raises(ParameterError, match="scenario_or_game"):
        ts.ensemble(42, runs=2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dist", "match"),
    [
        (lambda: Uniform(1.0, 0.0), "Uniform: `low` must be < `high`"),
        (lambda: Triangular(0.0, 2.0, 1.0), "Triangular"),
        (lambda: Normal(0.0, -1.0), "`sd` must be > 0"),
        (lambda: Normal(0.0, 1.0, low=20.0), "no mass"),
        (lambda: ts.analysis.LogNormal(0.0, 0.0), "`sigma`"),
        (lambda: ts.analysis.Beta(0.0, 1.0), "`a` and `b`"),
        (lambda: Uniform(0.0, float("nan")), "finite"),
    ],
)
def test_bad_distribution_parameters(dist, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        dist()


def _scipy(name: str):
    from scipy import stats

    return {
        "uniform": (Uniform(-1.0, 2.0), stats.uniform(-1.0, 3.0)),
        "triangular": (Triangular(0.0, 0.2, 1.0), stats.triang(0.2, 0.0, 1.0)),
        "normal": (Normal(0.5, 1.0, low=0.0, high=1.0), stats.truncnorm(-0.5, 0.5, 0.5, 1.0)),
        "lognormal": (ts.analysis.LogNormal(0.3, 0.5), stats.lognorm(0.5, scale=np.exp(0.3))),
        "beta": (ts.analysis.Beta(2.0, 5.0, low=1.0, high=3.0), stats.beta(2.0, 5.0, 1.0, 2.0)),
    }[name]


@given(
    lo=st.floats(-10, 10, allow_subnormal=False),
    width=st.floats(1e-6, 10, allow_subnormal=False),
    at=st.sampled_from([0.0, 1.0, 0.5, 0.25]),
    shape=st.floats(0.2, 5.0),
)
@settings(max_examples=300, deadline=None)
def test_bounded_draws_stay_within_the_support(lo, width, at, shape) -> None:
    """The draw range of a distribution on [low, high] lies within it (rounding of the roots
    and of the rescaling used to put the extreme quantiles a last bit outside: Triangular(0.05,
    0.05, 0.2) could draw 0.04999999999999999)."""
    hi = lo + width
    if not lo < hi:
        return
    for d in (
        Uniform(lo, hi),
        Triangular(lo, lo + at * (hi - lo), hi),
        ts.analysis.Beta(shape, 1 / shape, lo, hi),
    ):
        a, b = d.draw_range
        assert lo <= a <= b <= hi, d


@pytest.mark.parametrize(
    "dist",
    [
        Triangular(0.05, 0.05, 0.2),
        Triangular(0.15, 0.45, 0.45),
        ts.analysis.Beta(0.5, 0.5, 0.15, 0.45),
    ],
)
def test_draw_ranges_found_a_last_bit_outside(dist) -> None:
    a, b = dist.draw_range
    assert dist.low <= a and b <= dist.high
    x = dist.sample(np.random.default_rng(0), 10_000)
    assert dist.low <= x.min() and x.max() <= dist.high


@pytest.mark.parametrize("name", ["uniform", "triangular", "normal", "lognormal", "beta"])
def test_quantile_function_and_draws_agree_with_scipy(name: str) -> None:
    dist, ref = _scipy(name)
    u = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(dist.ppf(u), ref.ppf(u), rtol=1e-9, atol=1e-12)
    x = dist.sample(np.random.default_rng(0), 2000)
    lo, hi = dist.support
    assert np.all((x >= lo) & (x <= hi))
    from scipy import stats

    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("mean", "sd", "low", "high"),
    [
        (-7.9, 1.0, 0.0, 1.0),
        (0.0, 1.0, 7.99, np.inf),
        (0.0, 1.0, -np.inf, -7.5),
        (3.0, 0.1, 3.5, 4.0),
    ],
)
def test_a_normal_truncated_far_in_a_tail_draws_like_scipy(mean, sd, low, high) -> None:
    """Far in the upper tail the normal's probabilities round to 1: draws must not."""
    from scipy import stats

    dist = Normal(mean, sd, low, high)
    ref = stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    u = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(dist.ppf(u), ref.ppf(u), rtol=1e-6)
    x = dist.sample(np.random.default_rng(0), 20_000)
    assert np.isfinite(x).all() and np.all((x >= low) & (x <= high))
    assert len(np.unique(x)) == len(x)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("mean", "sd", "low", "high"),
    [
        (0.5, 1e20, 0.0, 1.0),  # every draw was 0.5: Phi(beta) - Phi(alpha) rounded to 0
        (0.5, 1e8, 0.0, 1.0),
        (0.3, 120.0, 0.0, 1.0),
        (-7.9, 1.0, 0.0, 0.009),  # narrow, 8 sd into the tail
        (2.0, 1e-3, 2.001, 2.00100001),
        (0.0, 1e300, -1e300, -0.5e300),
        (0.0, 1.7e308, 1.0e308, 1.0001e308),  # frac * high overflowed: 20% of draws at high
        (0.0, 1.0, 0.7, 0.701),  # low + (high - low) rounds below high
    ],
)
def test_a_normal_on_an_interval_narrow_against_its_sd_keeps_its_shape(mean, sd, low, high) -> None:
    """Quantiles are checked by the truncated normal's CDF at 50 digits (mpmath): F(ppf(u)) = u."""
    import mpmath

    mpmath.mp.dps = 50
    dist = Normal(mean, sd, low, high)
    u = np.linspace(0.0, 1.0, 41)
    x = dist.ppf(u)
    mu, s = mpmath.mpf(mean), mpmath.mpf(sd)
    fa, fb = mpmath.ncdf((low - mu) / s), mpmath.ncdf((high - mu) / s)
    cdf = [float((mpmath.ncdf((mpmath.mpf(v) - mu) / s) - fa) / (fb - fa)) for v in x]
    grid = 2 * np.spacing(max(abs(low), abs(high))) / (high - low)  # floats' own spacing
    np.testing.assert_allclose(cdf, u, rtol=0, atol=1e-12 + grid)
    draws = dist.sample(np.random.default_rng(0), 4000)
    assert np.all((draws >= low) & (draws <= high)) and len(np.unique(draws)) > 3990
    fine = dist.ppf(np.concatenate([np.linspace(0.0, 1.0, 20_001)[:-1], [1 - 2**-53, 1.0]]))
    assert fine[0] == low and fine[-1] == high and np.all(np.diff(fine) >= 0)


def test_every_claim_range_is_mapped_or_explained() -> None:
    ranged = {c.id for c in ts.claims.values() if c.range is not None}
    assert ranged == set(CLAIM_PARAMETERS) | set(RANGES_NOT_PARAMETERS)


@pytest.mark.parametrize("runs", [5, 300])  # interpolated across the claim's range
def test_claim_draws_stay_in_their_ranges_and_recalibrate(sc: ts.Scenario, runs: int) -> None:
    ov, x, _ = draws_from_claims(sc.game, runs, seed=2)
    for cid, vals in x.items():
        lo, hi = ts.claims[cid].range
        assert np.all((vals >= lo) & (vals <= hi)), cid
    # every target of the calibration holds run by run: the drawn recession odds and
    # approval, the record's drawdown at 145/125 and the record's April index falls
    w = sc.game.world
    state = calibration_state(w)
    us, cn = w.index("US"), w.index("CN")
    fall_us = 100 * (1 - np.prod(1 + np.asarray(ts.claims["sp500_april_2025"].values[:4]) / 100))
    fall_cn = 100 * (1 - np.prod(1 + np.asarray(ts.claims["shanghai_april_2025"].values[:2]) / 100))
    for k in range(5):
        g = parampath.apply(sc.game, {p: float(v[k]) for p, v in ov.items()})  # exact check
        model = PayoffModel(w, g.model.params)
        bd = model.breakdown(state)
        assert float(bd.recession[0, us]) == pytest.approx(
            x["us_recession_odds_forecasters"][k] / 100, rel=1e-12
        )
        assert float(bd.approval[0, us]) == pytest.approx(x["approval_39_45"][k] / 100, rel=1e-12)
        dd = ts.claims["model_market_drawdown_145"].value
        assert float(bd.drawdown[0, us]) == pytest.approx(dd, rel=1e-12)
        # the April falls, priced by the index beta on the burden the April tariffs added
        april = {d: model.breakdown(s) for d, s in april_2025_states(w).items()}
        before = april["2025-04-02"].burden[0]
        rise_us = float(april["2025-04-08"].burden[0, us] - before[us])
        rise_cn = float(april["2025-04-07"].burden[0, cn] - before[cn])
        beta = g.model.params.index_beta
        assert float(beta[us]) * rise_us == pytest.approx(fall_us, rel=1e-9)
        assert float(beta[cn]) * rise_cn == pytest.approx(fall_cn, rel=1e-9)
        assert float(beta[w.index("CA")]) == float(beta[us])


def test_claims_recalibrate_by_the_rule_of_with_params(sc: ts.Scenario) -> None:
    """A run of the claims whose targets are the articles' figures (60% odds, 42% approval)
    gets the calibrated fields of the what-if of its drawn values, bit for bit, in the truth
    and in every agent's model: one rule for both."""
    for pt, base, a0 in [(0.93, 17.5, 45.5), (1.0, 30.0, 48.0), (0.9, 15.0, 46.25)]:
        x = {
            "pass_through_border_2018": [pt], "us_recession_baseline": [base],
            "us_approval_feb2025": [a0], "us_recession_odds_forecasters": [60.0],
            "approval_39_45": [42.0],
        }  # fmt: skip
        ov = overrides_from_claims(sc.game, x)
        direct = {p: float(v[0]) for p, v in ov.items() if p.split(":")[-1].split(".")[0]
                  not in CALIBRATED_FIELDS}  # fmt: skip
        assert set(direct) == {
            "truth:pass_through.US.CN", "pass_through.US.CA", "pass_through.US.MX",
            "recession_base.US", "approval_base.US",
        }  # fmt: skip
        want = sc.with_params(direct).game
        got = parampath.apply(sc.game, {p: float(v[0]) for p, v in ov.items()})
        for f in CALIBRATED_FIELDS:
            sides = [(want.model.params, got.model.params)] + [
                (a.beliefs.perceived, b.beliefs.perceived)
                for a, b in zip(want.agents, got.agents, strict=True)
                if a.beliefs is not None
            ]
            for wp, gp in sides:
                assert (
                    np.asarray(getattr(gp, f)).tobytes() == np.asarray(getattr(wp, f)).tobytes()
                ), (pt, f)


def test_a_runs_draws_do_not_depend_on_the_other_runs(sc: ts.Scenario) -> None:
    """Run k's parameters, recalibrated ones included, are the same bits in an ensemble of
    any size (the interpolation spans the claim's range, not the runs' draws)."""
    small, _, _ = draws_from_claims(sc.game, 10, seed=4)
    for runs in (3, 18, 400):
        big, _, _ = draws_from_claims(sc.game, runs, seed=4)
        assert big.keys() == small.keys()
        n = min(runs, 10)
        for path, v in small.items():
            assert v[:n].tobytes() == big[path][:n].tobytes(), (runs, path)


def test_a_wrong_belief_is_kept_only_the_truth_is_drawn(sc: ts.Scenario) -> None:
    ov, _, _ = draws_from_claims(sc.game, 3, seed=0)
    assert "truth:pass_through.US.CN" in ov  # the US believes China pays
    assert "pass_through.US.CA" in ov


def test_a_what_if_holds_under_vary_claims(sc: ts.Scenario) -> None:
    """``vary="claims"`` on ``sc.with_params(pass_through=0.5)`` keeps 0.5 in every run (it used
    to draw the border pass-through over it, silently); the other claims draw what they draw
    without the what-if, and recalibrate with the what-if's pass-through."""
    alt = sc.with_params(pass_through=0.5)
    assert alt.what_if == ("pass_through",)
    with pytest.warns(WhatIfHeldWarning, match=r"pass_through_border_2018.*set pass_through"):
        e = ts.ensemble(alt, runs=4, seed=3, vary="claims", rounds=T)
    free = ts.ensemble(sc, runs=4, seed=3, vary="claims", rounds=T)
    assert set(e.claim_draws) == set(free.claim_draws) - {"pass_through_border_2018"}
    for cid, v in e.claim_draws.items():
        assert v.tobytes() == free.claim_draws[cid].tobytes(), cid
    assert not any("pass_through" in p for p in e.draws)
    w = sc.world
    us, state = w.index("US"), calibration_state(w)
    seeds = np.random.SeedSequence(3).spawn(4)
    for k in range(4):
        g = parampath.apply(alt.game, e.run(k).draws)
        assert float(g.model.params.pass_through[us, w.index("CN")]) == 0.5
        bd = PayoffModel(w, g.model.params).breakdown(state)
        assert float(bd.recession[0, us]) == pytest.approx(
            e.claim_draws["us_recession_odds_forecasters"][k] / 100
        )
        one = ts.simulate(g, T, rng=np.random.default_rng(seeds[k]))
        np.testing.assert_array_equal(e.recession[k], one.recession)
        np.testing.assert_array_equal(e.run(k).series("US", "CN"), one.series("US", "CN"))


@pytest.mark.parametrize("belief", [0.2, 1.0])  # 1.0: the belief set equal to the truth
def test_a_belief_what_if_leaves_the_truth_to_the_claims(sc: ts.Scenario, belief) -> None:
    """The claims draw the truth alone and every agent keeps the belief the what-if set, also
    where that belief equals the truth (the claim's path was plain there, and was held)."""
    b = sc.with_params({"belief:pass_through.US.CN": belief})
    assert claims_held(b.game, b.what_if) == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", WhatIfHeldWarning)
        e = ts.ensemble(b, runs=3, seed=0, vary="claims", rounds=3)
    assert "pass_through_border_2018" in e.claim_draws
    assert "truth:pass_through.US.CN" in e.draws
    w = sc.world
    us, cn = w.index("US"), w.index("CN")
    for k in range(3):
        g = parampath.apply(b.game, e.run(k).draws)
        truth = float(g.model.params.pass_through[us, cn])
        assert truth == float(e.claim_draws["pass_through_border_2018"][k])
        believed = [a.beliefs.perceived.pass_through[us, cn] for a in g.agents if a.beliefs]
        assert believed and all(float(v) == belief for v in believed)


def test_a_held_claim_names_every_parameter_it_leaves(sc: ts.Scenario) -> None:
    alt = sc.with_params({"pass_through.US-CN": 0.5})
    says = (r"set pass_through\.US\.CN; every run keeps .*pass_through\.US\.CA, "
            r"pass_through\.US\.MX as the what-if has them")  # fmt: skip
    with pytest.warns(WhatIfHeldWarning, match=says):
        ts.ensemble(alt, runs=2, seed=0, vary="claims", rounds=2)


def test_a_what_if_of_every_claims_parameters_is_refused_before_any_run(sc: ts.Scenario) -> None:
    alt = sc.with_params(
        {"recession_base.US": 0.3, "recession_slope": 3.0, "approval_base": 0.47,
         "approval_price.US": 0.02, "pass_through.US.CN": 0.7}
    )  # fmt: skip
    assert set(claims_held(alt.game, alt.what_if)) == set(CLAIM_PARAMETERS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=r"leaves free.*mapping of distributions"):
            ts.ensemble(alt, runs=3, seed=0, vary="claims", rounds=3)
    # a Game carries no record of the what-if: every claim is drawn over it
    assert claims_held(alt.game, ()) == {}


def test_a_mapping_draws_over_a_what_if_as_asked(sc: ts.Scenario) -> None:
    """A path named in ``vary`` is drawn over the what-if's value (no warning): only
    ``vary="claims"`` holds a what-if (docs/ensembles.md)."""
    alt = sc.with_params(pass_through=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # (3 rounds are too few for the draws to move a decision: said, and not what is tested)
        warnings.simplefilter("ignore", ts.errors.SameDecisionsWarning)
        e = ts.ensemble(alt, runs=3, seed=5, rounds=3, vary={"pass_through.US.CN": Uniform(0.8, 1)})
    w = sc.world
    us, cn, ca = w.index("US"), w.index("CN"), w.index("CA")
    seeds = np.random.SeedSequence(5).spawn(3)
    for k in range(3):
        drawn = float(e.draws["pass_through.US.CN"][k])
        assert 0.8 <= drawn <= 1
        g = parampath.apply(alt.game, e.run(k).draws)
        assert float(g.model.params.pass_through[us, cn]) == drawn
        assert float(g.model.params.pass_through[us, ca]) == 0.5  # the what-if elsewhere
        one = ts.simulate(g, 3, rng=np.random.default_rng(seeds[k]))
        np.testing.assert_array_equal(e.recession[k], one.recession)


def _calibrated(params) -> dict[str, bytes]:
    return {f: np.asarray(getattr(params, f), dtype=float).tobytes() for f in CALIBRATED_FIELDS}


def _drawn_values(e: ts.Ensemble, k: int) -> dict[str, float]:
    return {p: float(e.draws[p][k]) for p in e.distributions}


@pytest.mark.parametrize("truth_only", [False, True])
def test_a_mapping_run_is_the_what_if_of_its_values(sc: ts.Scenario, truth_only: bool) -> None:
    """Run k of a mapping is ``sc.with_params(its values)``: the calibrated fields re-solved
    where the values move the calibration, the same bits, in the truth and (unless every
    path is truth: only) in every agent's beliefs; it used to apply the values alone."""
    pre = "truth:" if truth_only else ""
    vary = {pre + "pass_through.US.CN": Uniform(0.4, 1.0), pre + "elasticity": Uniform(1.5, 3.5)}
    e = ts.ensemble(sc, runs=4, seed=1, rounds=5, vary=vary)
    extra = set(e.draws) - set(vary)
    assert extra and all(p.startswith(pre) for p in extra)
    assert {parampath.parse(p).name for p in extra} <= set(CALIBRATED_FIELDS)
    seeds = np.random.SeedSequence(1).spawn(4)
    for k in range(4):
        want = sc.with_params(_drawn_values(e, k)).game
        got = parampath.apply(sc.game, e.run(k).draws)
        assert _calibrated(got.model.params) == _calibrated(want.model.params)
        assert _calibrated(want.model.params) != _calibrated(sc.game.model.params)
        for a, b in zip(got.agents, want.agents, strict=True):
            if a.beliefs is not None:
                assert _calibrated(a.beliefs.perceived) == _calibrated(b.beliefs.perceived)
        one = ts.simulate(want, 5, rng=np.random.default_rng(seeds[k]))
        np.testing.assert_array_equal(e.recession[k], one.recession)
        np.testing.assert_array_equal(e.run(k).series("US", "CN"), one.series("US", "CN"))
    raw = ts.ensemble(sc, runs=4, seed=1, rounds=5, vary=vary, recalibrate=False)
    assert set(raw.draws) == set(vary)
    g = parampath.apply(sc.game, raw.run(0).draws)
    assert _calibrated(g.model.params) == _calibrated(sc.game.model.params)


def test_recalibration_in_blocks_is_the_same(sc: ts.Scenario, monkeypatch) -> None:
    from tariffsim.analysis import vary as vary_mod

    ov, _ = vary_mod.draw({"elasticity": Uniform(1.5, 3.5), "dependence": Uniform(0, 1)}, 7, 4)
    whole = vary_mod.recalibrated_overrides(sc.game, ov, 7)
    monkeypatch.setattr(vary_mod, "_RECAL_BLOCK", 3)
    blocks = vary_mod.recalibrated_overrides(sc.game, ov, 7)
    assert whole.keys() == blocks.keys() and whole
    for p in whole:
        assert whole[p].tobytes() == blocks[p].tobytes(), p


def test_recalibration_keeps_what_the_user_set(sc: ts.Scenario) -> None:
    """A calibrated field drawn, or set by the what-if, is kept; a belief moves no calibration."""
    both = {"recession_slope": Uniform(2.0, 3.0), "elasticity": Uniform(1.5, 3.5)}
    e = ts.ensemble(sc, runs=3, seed=2, rounds=2, vary=both)
    assert not any(p.startswith("recession_slope") for p in set(e.draws) - {"recession_slope"})
    assert "market_beta" in e.draws
    alt = sc.with_params(recession_slope=3.0)
    e2 = ts.ensemble(alt, runs=3, seed=2, rounds=2, vary={"elasticity": Uniform(1.5, 3.5)})
    assert "recession_slope" not in e2.draws and "market_beta" in e2.draws
    for k in range(3):
        g = parampath.apply(alt.game, e2.run(k).draws)
        assert float(g.model.params.recession_slope) == 3.0
        want = alt.with_params(_drawn_values(e2, k)).game  # the what-if of the what-if
        assert _calibrated(g.model.params) == _calibrated(want.model.params)
    b = ts.ensemble(sc, runs=3, seed=2, rounds=2, vary={"belief:elasticity": Uniform(1.5, 3.5)})
    assert list(b.draws) == ["belief:elasticity"]


@pytest.mark.parametrize("path", ["index_beta", "index_beta.US", "truth:index_beta",
                                  "bond_beta", "market_speed", "support_effect"])  # fmt: skip
def test_fields_the_calibration_does_not_read_recalibrate_nothing(sc: ts.Scenario, path) -> None:
    """Fields outside the calibration's inputs (these crashed the batched evaluation) play as
    drawn, with no re-solved field."""
    now = np.asarray(getattr(sc.game.model.params, parampath.parse(path).name), dtype=float)
    vals = now.reshape(-1)[0] * np.array([1.0, 1.1, 1.2])
    e = ts.ensemble(sc, runs=3, rounds=2, vary={path: vals})
    assert list(e.draws) == [parampath.parse(path).text]


def test_a_truth_only_what_if_then_a_mapping_gives_every_agent_what_with_params_gives(
    sc: ts.Scenario,
) -> None:
    """Beliefs that differ from the truth get the re-solved values where a run re-solves (an
    entry equal to the truth's was left out, and the agents kept their stale value)."""
    sc2 = sc.with_params({"truth:pass_through.US.CN": 0.8})
    e = ts.ensemble(sc2, runs=2, rounds=2, vary={"export_margin": [0.1, 0.2]})
    for k in range(2):
        got = parampath.apply(sc2.game, e.run(k).draws)
        want = sc2.with_params({"export_margin": float(e.draws["export_margin"][k])}).game
        assert _calibrated(got.model.params) == _calibrated(want.model.params)
        for a, b in zip(got.agents, want.agents, strict=True):
            if a.beliefs is not None:
                assert _calibrated(a.beliefs.perceived) == _calibrated(b.beliefs.perceived)


def test_a_what_if_without_recalibration_is_not_re_solved_later(sc: ts.Scenario) -> None:
    """The inputs before and after a what-if decide, not the record a recalibrate=False what-if
    left behind: a later change of noise, or of a field the calibration does not read, re-solves
    nothing (they used to re-solve in every run)."""
    s = sc.with_params(elasticity=3.0, recalibrate=False)
    assert (
        s.with_params(noise=0.0).changes[-1] == "calibration unchanged: no calibration input moved"
    )
    e = ts.ensemble(s, runs=3, rounds=2, vary={"face_weight": [1.0, 1.1, 1.2]})
    assert list(e.draws) == ["face_weight"]
    with pytest.raises(ParameterError, match="`recalibrate` must be True or False; got 'no'"):
        sc.with_params(elasticity=3.0, recalibrate="no")


def test_every_calibration_input_re_solves(sc: ts.Scenario) -> None:
    """The baseline odds and the April burden of a partner are inputs too: the targets hold
    (with_params used to say 'no calibration input moved' for them)."""
    us = sc.world.index("US")
    for what in ({"recession_base.US": 0.2}, {"pass_through.US.EU": 0.3}):
        alt = sc.with_params(what)
        assert alt.changes[-1].startswith("calibration re-solved"), what
        bd = alt.model.breakdown(ts.payoffs.calibration_state(alt.world))
        assert float(bd.recession[0, us]) == pytest.approx(0.60, abs=1e-9)
        with pytest.warns(ts.errors.IdenticalRunsWarning):  # (two runs of the same values)
            e = ts.ensemble(sc, runs=2, rounds=2, vary={k: [v, v] for k, v in what.items()})
        g = parampath.apply(sc.game, e.run(0).draws)
        assert _calibrated(g.model.params) == _calibrated(alt.game.model.params)


@pytest.mark.parametrize(
    "vary",
    [{"elasticity_short": [0.5, 0.6]},  # the realised pain moves, the burden does not (a crash)
     {"truth:elasticity": [3.0, 3.2], "noise": [0.0, 0.01]},  # noise is no belief
     {"truth:elasticity": [3.0, 3.2], "learning_rate.US": [0.1, 0.5]}],
)  # fmt: skip
def test_more_mappings_are_their_what_ifs(sc: ts.Scenario, vary) -> None:
    e = ts.ensemble(sc, runs=2, seed=0, rounds=2, vary=vary)
    for k in range(2):
        got = parampath.apply(sc.game, e.run(k).draws)
        want = sc.with_params({p: float(v[k]) for p, v in vary.items()}).game
        assert _calibrated(got.model.params) == _calibrated(want.model.params)
        for a, b in zip(got.agents, want.agents, strict=True):
            if a.beliefs is not None:
                assert _calibrated(a.beliefs.perceived) == _calibrated(b.beliefs.perceived)
    if "truth:elasticity" in vary:  # the beliefs keep their calibration, as truth: alone does
        alone = sc.with_params({"truth:elasticity": 3.0}).game.agents
        extra = {p: v[1] for p, v in vary.items() if "elasticity" not in p}
        mixed = sc.with_params({"truth:elasticity": 3.0, **extra}).game.agents
        for a, b in zip(alone, mixed, strict=True):
            if a.beliefs is not None:
                assert _calibrated(a.beliefs.perceived) == _calibrated(b.beliefs.perceived)


def test_re_solved_fields_beyond_the_bound_are_refused_alike(sc: ts.Scenario) -> None:
    """Near where the US April burden rise crosses zero the index beta has a pole: with_params
    took 1.3e6 (beyond the ±1e6 every parameter value keeps), an ensemble refused it."""
    with pytest.raises(ParameterError, match=r"re-solved index_beta = .* beyond ±1e\+06"):
        sc.with_params(pass_through=0.32347)
    with pytest.raises(ParameterError, match=r"run 0 \(pass_through = 0\.32347\).*index_beta"):
        ts.ensemble(sc, runs=2, rounds=2, vary={"pass_through": [0.32347, 0.9]})


def test_recalibration_in_a_world_of_71_countries() -> None:
    """Past 70 countries the payoff block is evaluated on a restricted sub-block, which did not
    slice the per-run parameters (a crash); the inputs are evaluated over the whole world."""
    from tariffsim.payoffs import Params

    w = ts.World.default()
    for i in range(61):
        w = w.add_country(ts.Country(f"X{i}", 0.1, f"X{i}"), imports={"CN": 5.0},
                          exports={"US": 4.0})  # fmt: skip
    g = ts.Game(world=w, model=PayoffModel(w, Params.default(w)), rounds=2)
    e = ts.ensemble(g, runs=2, vary={"elasticity": [2.0, 3.5]})
    for k in range(2):
        got = parampath.apply(g, e.run(k).draws).model.params
        want = parampath.apply(g, {"elasticity": float(e.draws["elasticity"][k])})
        assert _calibrated(got) == _calibrated(want.model.params.recalibrated(w))


def test_calibration_inputs_read_only_the_listed_fields(sc: ts.Scenario) -> None:
    """Every Params field outside CALIBRATION_INPUTS leaves the inputs as they are (what the
    ensemble relies on to skip the evaluation)."""
    from dataclasses import fields

    from tariffsim.payoffs import CALIBRATION_INPUTS, Params, calibration_inputs

    base = sc.game.model.params
    x0 = calibration_inputs(PayoffModel(sc.world, base))
    checked = 0
    for f in fields(Params):
        v = getattr(base, f.name)
        if f.name in CALIBRATION_INPUTS or not isinstance(v, float | np.ndarray):
            continue
        moved = np.asarray(v, dtype=float) * 1.25 + 0.01
        try:
            p = base.replace(**{f.name: moved})
        except ts.ParameterError:
            p = base.replace(**{f.name: np.asarray(v, dtype=float) * 0.8})
        x = calibration_inputs(PayoffModel(sc.world, p))
        assert x.tobytes() == x0.tobytes(), f.name
        checked += 1
    assert checked >= 25
    for f in CALIBRATION_INPUTS:  # and each listed one does move them
        v = np.asarray(getattr(base, f), dtype=float)
        p = base.replace(**{f: np.clip(v * 0.9 + 0.05, 0.01, 0.99) if f.endswith("base") or
                            f == "pass_through" else v * 1.2 + 0.05})  # fmt: skip
        assert calibration_inputs(PayoffModel(sc.world, p)).tobytes() != x0.tobytes(), f


def test_values_the_calibration_cannot_take_are_named(sc: ts.Scenario) -> None:
    """With no US burden at 145%/125% the calibration has no footing (with_params refuses such
    a value too): the run and its values are named before any run; recalibrate=False plays."""
    with pytest.raises(ParameterError, match=r"`vary`: run \d+ \(pass_through = 0\.\d+.*"
                       r"recalibrate=False"):  # fmt: skip
        ts.ensemble(sc, runs=20, seed=0, rounds=2, vary={"pass_through": Uniform(0.0, 0.25)})
    e = ts.ensemble(sc, runs=20, seed=0, rounds=2, vary={"pass_through": Uniform(0.0, 0.25)},
                    recalibrate=False)  # fmt: skip
    assert list(e.draws) == ["pass_through"]
    with pytest.raises(ParameterError, match=r"run 1 \(approval_base\.US = 0\.41\) moves the "
                       r"calibration, and re-solved approval_price = -"):  # fmt: skip
        ts.ensemble(sc, runs=3, rounds=2, vary={"approval_base.US": [0.5, 0.41, 0.45]})
    with pytest.raises(ParameterError, match="`recalibrate` must be True or False; got 'yes'"):
        ts.ensemble(sc, runs=2, rounds=2, vary={"elasticity": Uniform(2, 3)}, recalibrate="yes")


def test_views_and_exports(ens: ts.Ensemble, tmp_path) -> None:
    ds = ens.to_xarray()
    assert dict(ds.sizes) == {"run": R, "round": T + 1, "dyad": len(ens.dyads), "country":
                              len(ens.codes), "param": len(ens.draws), "claim": 5,
                              "control_dyad": 1}  # fmt: skip
    assert list(ds["control_dyad"].values) == ["CN->US"]  # us-china-145's one control ladder
    assert list(ds["dyad"].values)[ens.dyads.index(("US", "CN"))] == "US->CN"
    np.testing.assert_array_equal(ds["tariff"].values, ens.tariff)
    np.testing.assert_array_equal(ds["date"].values, ens.dates)
    ens.to_netcdf(tmp_path / "e.nc")
    import xarray as xr

    with xr.open_dataset(tmp_path / "e.nc", engine="h5netcdf") as back:
        np.testing.assert_array_equal(back["recession"].values, ens.recession)
        assert list(back["param"].values) == list(ens.draws)
        assert back["recession"].encoding.get("zlib")  # the per-run arrays are compressed
    ens.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as z:
        np.testing.assert_array_equal(z["tariff"], ens.tariff)
    df = ens.to_frame()
    assert len(df) == R * (T + 1)
    assert df.loc[(2, 5), "US->CN"] == ens.series("US", "CN")[2, 5]
    # units beside the numbers: drawdowns are index %, the rest of a country's odds fractions
    units = df.attrs["units"]
    assert (units["US->CN"], units["CN->US high"], units["CN->US control"]) == ("1", "1", "1")
    assert (units["CN drawdown"], units["US payoff"], units["US recession"]) == (
        "index %", "% of GDP a year", "1")  # fmt: skip
    assert set(units) == {c for c in df.columns if c != "date" and c not in ens.draws}
    fig = ens.plot()
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "12-month recession odds (%)"
    assert "Ensemble" in repr(ens) and "<table" in ens._repr_html_()


def _series(ax: Any) -> list[Any]:
    """The series' lines of a fan chart's panel (not the scheduled events' dashed lines)."""
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def _medians(ax: Any) -> dict[str, Any]:
    return {ln.get_label().removesuffix(" (median)"): ln for ln in _series(ax)}


def test_fan_chart_colours_a_country_alike_in_every_panel() -> None:
    """A tariff takes the colour of the country it hits, and that country's indicators the
    same colour; two tariffs in one panel never share one."""
    e = ts.ensemble("reciprocal-pause", runs=4, seed=0, vary="claims", rounds=6)
    top, odds = e.plot().axes[:2]
    tariffs, countries = _medians(top), _medians(odds)
    for label, line in tariffs.items():
        hit = label.split(" tariff on ")[1]
        assert line.get_color() == countries[f"{hit} recession odds"].get_color(), label
    colours = [ln.get_color() for ln in tariffs.values()]
    assert len(set(colours)) == len(colours)
    # the rule is told where it is read: the tariffs' legend says it, the others' have no title
    assert top.get_legend().get_title().get_text() == "in the colour of the\ncountry each one hits"
    assert odds.get_legend().get_title().get_text() == ""
    # two tariffs on one country: the second has a colour of its own, and the rule says so
    four = ts.ensemble("four-country-2025", runs=3, seed=0, vary="claims", rounds=4)
    ax4 = four.plot(indicators=()).axes[0]
    lines4 = _medians(ax4)
    on_us = [ln.get_color() for lb, ln in lines4.items() if lb.endswith("tariff on US")]
    assert len(on_us) > 1 and len(set(on_us)) == len(on_us)
    assert "a colour of its own" in ax4.get_legend().get_title().get_text()
    us = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=6)
    fig = us.plot(indicators=("recession", "drawdown"))
    both = _medians(fig.axes[0])  # US->CN and CN->US: each its own colour
    assert both["US tariff on CN"].get_color() != both["CN tariff on US"].get_color()
    # and each colour its own line style, the same in every panel
    style: dict[str, Any] = {}
    for ax in fig.axes:
        for label, line in _medians(ax).items():
            seen = style.setdefault(line.get_color(), line.get_linestyle())
            assert line.get_linestyle() == seen, label
    assert len(set(style.values())) == len(style)


def test_a_countrys_colour_is_the_same_in_every_chart_of_an_ensemble(ens: ts.Ensemble) -> None:
    """A country keeps its colour whichever countries a chart shows (its place among the
    ensemble's codes), while the countries of one chart still differ."""

    def colours(**kw: Any) -> dict[str, str]:
        lines = _medians(ens.plot(**kw).axes[1])
        return {k.split()[0]: v.get_color() for k, v in lines.items()}

    alone = colours(countries=["JP"])
    some = colours(countries=["US", "JP", "CN"])
    default = colours()
    assert alone["JP"] == some["JP"] and some["US"] == default["US"]
    assert some["CN"] == default["CN"] and len(set(some.values())) == 3
    many = colours(countries=list(ens.codes))  # more countries than colours: all are used
    assert len(set(many.values())) == min(len(ens.codes), 8)


def test_fan_chart_holds_the_last_round(ens: ts.Ensemble) -> None:
    """The final round's value is drawn for a round's length, not as a tick at the edge."""
    line = _medians(ens.plot(indicators=()).axes[0])["US tariff on CN"]
    xs, ys = line.get_xdata(), line.get_ydata()
    dates = ens.dates.astype(object)
    assert xs[-1] == dates[-1] + (dates[-1] - dates[-2])
    assert ys[-1] == 100 * ens.quantiles("US", "CN", [0.5]).values[0, -1]


def test_fan_chart_names_its_centre_line(ens: ts.Ensemble) -> None:
    """A centre level other than 0.5 is drawn and labelled as that quantile, not as the median."""
    q = (0.05, 0.1, 0.2, 0.3, 0.4)
    fig = ens.plot(q=q, indicators=())
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("US tariff on CN")]
    assert line.get_label() == "US tariff on CN (20% quantile)"
    np.testing.assert_array_equal(
        line.get_ydata()[:-1], 100 * ens.quantiles("US", "CN", [0.2]).values[0]
    )
    assert "20% quantile with 5–40% and 10–30% bands" in fig.axes[0].get_title()
    # a saved chart tells its seed and what was drawn
    assert f"(seed {ens.seed}, vary={ens.vary})" in fig.axes[0].get_title()
    with pytest.warns(ts.errors.IdenticalRunsWarning):
        flat = ts.ensemble("us-china-145", runs=2, seed=5, rounds=2, progress=False)
    assert "(seed 5, nothing varied)" in flat.plot(indicators=()).axes[0].get_title()
    # nothing drawn, but execution noise: the runs differ, and the title says by chance
    noisy_game = ts.load_scenario("us-china-145").game.replace(noise=0.3)
    noisy = ts.ensemble(noisy_game, runs=20, seed=5, rounds=6, progress=False)
    assert noisy.vary == "none" and np.ptp(noisy.tariff, axis=0).any()
    title = noisy.plot(indicators=()).axes[0].get_title()
    assert "(seed 5, nothing drawn; runs differ by chance)" in title
    assert "(median)" in ens.plot(indicators=()).axes[0].get_lines()[0].get_label()


def test_fan_chart_panels_per_indicator(ens: ts.Ensemble) -> None:
    """One panel per indicator asked for, in order, the medians in the axis's units."""
    from tariffsim.analysis import bands

    assert tuple(bands._PANELS) == INDICATORS  # every indicator has a panel
    fig = ens.plot(indicators=("drawdown", "approval", "payoff"), countries=["US"])
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == [
        "headline tariff (%)", "equity drawdown (index %)", "approval (%)",
        "payoff (% of GDP a year)",
    ]  # fmt: skip
    for ax, name, scale in ((fig.axes[1], "drawdown", 1), (fig.axes[2], "approval", 100)):
        median = ax.get_lines()[0].get_ydata()  # the last round held for a round's length
        assert median[-1] == median[-2]
        np.testing.assert_allclose(
            median[:-1], scale * ens.quantiles(name, "US", q=[0.5]).values[0]
        )
    assert len(ens.plot(indicators=()).axes) == 1  # the tariffs alone
    styles = [ln.get_linestyle() for ln in _series(fig.axes[0])]
    assert len(set(styles)) == min(len(styles), 4)  # medians told apart when they coincide
    with pytest.raises(UnknownNameError, match="'equity'"):
        ens.plot(indicators=("recession", "equity"))
    for bad in (None, 5):
        with pytest.raises(ParameterError, match="`indicators` must be a sequence"):
            ens.plot(indicators=bad)
    for bad in ([["a"]], [None], [b"recession"]):
        with pytest.raises(UnknownNameError, match="unknown indicator"):
            ens.plot(indicators=bad)
    with pytest.raises(UnknownNameError) as err:
        ens.plot(indicators=["x" * 10_000])
    assert len(str(err.value)) < 200  # the value is cut, not echoed whole
    with pytest.raises(ParameterError, match="repeats a name"):
        ens.plot(indicators=("recession", "recession"))


def test_fan_chart_dyads_and_countries(ens: ts.Ensemble) -> None:
    """Dyads as pairs or as the exports' 'A->B' names; anything else is named, not unpacked."""
    a = ens.plot(dyads=["US->CN"], countries="US")
    b = ens.plot(dyads=[("US", "CN")], countries=["US"])
    for fa, fb in zip(a.axes, b.axes, strict=True):
        assert [ln.get_label() for ln in _series(fa)] == [ln.get_label() for ln in _series(fb)]
        ya = [ln.get_ydata().tolist() for ln in _series(fa)]
        assert ya == [ln.get_ydata().tolist() for ln in _series(fb)]
    c = ens.plot(dyads=np.array([("US", "CN")]), countries=np.array(["US"]))  # a table's rows
    assert [ln.get_label() for ln in c.axes[0].get_lines()] == [
        ln.get_label() for ln in a.axes[0].get_lines()
    ]
    for bad in (("US", "CN"), [("US",)], [3], 5):
        with pytest.raises(ParameterError, match="`dyads`"):
            ens.plot(dyads=bad)
    with pytest.raises(ParameterError, match="`dyads` is empty"):
        ens.plot(dyads=[])
    with pytest.raises(ParameterError, match="`countries` is empty"):
        ens.plot(countries=[])
    with pytest.raises(ParameterError, match="`countries`: codes are strings"):
        ens.plot(countries=[1])
    with pytest.raises(UnknownNameError, match="unknown country 'XX'"):
        ens.plot(countries="XX")


@pytest.mark.parametrize(
    "q",
    [
        (0.95, 0.75, 0.5, 0.25, 0.05),
        (0.05, 0.25, 0.25, 0.75, 0.95),
        (0.5,),
        "q",
        3,
        (0, 0.2, 0.5, 0.8, 1.2),
    ],
)
def test_fan_chart_levels_are_five_increasing(ens: ts.Ensemble, q) -> None:
    with pytest.raises(ParameterError, match="`q`"):
        ens.plot(q=q)


@pytest.mark.parametrize("q", ["0.5", ["0.5"], True, [0.5, None]])
def test_quantile_levels_are_numbers(ens: ts.Ensemble, q) -> None:
    with pytest.raises(ParameterError, match="`q` must be levels in"):
        ens.quantiles("US", "CN", q=q)


def test_unknown_names(ens: ts.Ensemble) -> None:
    with pytest.raises(UnknownNameError, match="US->CN"):
        ens.quantiles("US", "JP")
    with pytest.raises(UnknownNameError, match="unknown country"):
        ens.quantiles("recession", "XX")
    with pytest.raises(ParameterError, match="`q`"):
        ens.quantiles("US", "CN", q=[1.5])
    with pytest.raises(ParameterError, match="booleans"):
        ens.prob(ens.peak("US", "CN"))
    with pytest.raises(ParameterError, match="must return a bool"):
        ens.prob(lambda p: p.series("US", "CN"))


@pytest.mark.parametrize(
    ("vary", "keep", "alike"),
    [
        (None, "runs", True),
        (None, "summary", True),
        ({"noise": Uniform(0.0, 0.1)}, "runs", False),
        ({"elasticity": Uniform(2.0, 3.0)}, "runs", False),
        ("claims", "runs", False),
    ],
)
def test_identical_runs_are_warned(sc: ts.Scenario, vary, keep: str, alike: bool) -> None:
    import warnings

    from tariffsim.errors import IdenticalRunsWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ens = ts.ensemble(sc, runs=4, seed=0, vary=vary, rounds=3, keep=keep)
    said = [w for w in caught if issubclass(w.category, IdenticalRunsWarning)]
    assert len(said) == (1 if alike else 0)
    if alike:
        assert "all 4 runs of us-china-145 play the same path" in str(said[0].message)
        assert said[0].filename == __file__  # points at the caller
        if keep == "runs":  # and they are indeed the same
            assert (ens.tariff == ens.tariff[:1]).all() and (
                ens.recession == ens.recession[:1]
            ).all()


def test_a_misspelled_series_names_the_indicators(ens: ts.Ensemble) -> None:
    summary = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3, keep="summary")
    for e in (ens, summary):
        with pytest.raises(
            UnknownNameError,
            match=r"unknown series 'recesion': give an indicator \(recession, approval",
        ):
            e.quantiles("recesion", "US")
        with pytest.raises(UnknownNameError, match="no tariff ladder CN->CA in this ensemble"):
            e.quantiles("CN", "CA")


def test_bands_by_level_or_column_name(ens: ts.Ensemble) -> None:
    b = ens.quantiles("US", "CN", q=[0.05, 0.5, 0.95])
    np.testing.assert_array_equal(b["q50"], b.values[1])
    np.testing.assert_array_equal(b[0.5], b.values[1])
    frame_cols = [k for k in b.rows()[0] if k.startswith("q")]
    assert frame_cols == ["q5", "q50", "q95"]  # the names rows() and to_frame() use
    for bad in ("q51", None, True, float("nan"), [0.5]):
        with pytest.raises(UnknownNameError, match="not computed; levels"):
            b[bad]


@pytest.mark.parametrize(
    "bad",
    ["May 31", 5, None, "2025-13-01", 2.5, np.datetime64("NaT"), np.datetime64("99999-01-01")],
)  # (beyond year 9999 numpy gives a datetime64's days as an int, which read as a round)
def test_round_of_refuses_what_is_not_a_date(ens: ts.Ensemble, bad) -> None:
    with pytest.raises(ParameterError, match="`date` must be a date or an ISO date string"):
        ens.round_of(bad)


def test_round_of_covers_the_rounds_dates_only(ens: ts.Ensemble) -> None:
    first, last = str(ens.dates[0]), str(ens.dates[-1])
    assert ens.round_of(first) == 0 and ens.round_of(last) == ens.rounds
    with pytest.raises(ParameterError, match=rf"before the first round \({first}\)"):
        ens.round_of("2024-05-31")  # a year's typo: not round 0
    with pytest.raises(ParameterError, match=rf"after the last round \({last}\)"):
        ens.round_of("2031-01-01")


def test_by_a_date_counts_the_rounds_dated_on_or_before_it(ens: ts.Ensemble) -> None:
    """By D counts the rounds dated on or before D: a round dated after D, whose moves may fall
    after D, does not count (it used to: the first round dated on or after D was counted)."""
    day = np.timedelta64(1, "D")
    series = ens.series("US", "CN")
    for r in range(1, ens.rounds + 1):
        for when, last in ((ens.dates[r], r), (ens.dates[r] - day, r - 1)):
            for by in (str(when), when, when.astype(dt.date)):
                assert ens.round_of(by) == last
                ev = Threshold("US", "CN", at_least=0.5, by=by)
                want = float(np.mean(series[:, : last + 1].max(axis=1) >= 0.5))
                assert ens.prob(ev) == want, (r, by)


@pytest.mark.parametrize("keep", ["runs", "summary"])
@pytest.mark.parametrize("fmt", ["npz", "nc"])
def test_exports_replace_a_file_only_with_a_complete_one(tmp_path, monkeypatch, keep, fmt) -> None:
    """A write that fails half-way (an error, Ctrl-C) leaves the old file whole, and no temp."""
    e = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3, keep=keep)
    target = tmp_path / f"e.{fmt}"
    write = e.to_npz if fmt == "npz" else e.to_netcdf
    write(target)
    before = target.read_bytes()

    def half(file, *a, **kw):
        with open(file, "wb") as fh:
            fh.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt

    if fmt == "npz":
        monkeypatch.setattr(
            np, "savez_compressed", lambda fh, **kw: (fh.write(b"half"), half(fh.name))[1]
        )
    else:
        import xarray as xr

        monkeypatch.setattr(xr.Dataset, "to_netcdf", lambda self, file, **kw: half(file))
    with pytest.raises(KeyboardInterrupt):
        write(target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_sizes_beyond_the_limits_are_refused_before_any_run(sc: ts.Scenario) -> None:
    from tariffsim.errors import LimitError

    with pytest.raises(LimitError, match="runs: 10000001 exceeds the limit max_runs"):
        ts.ensemble(sc, runs=10_000_001, keep="summary")
    with pytest.raises(LimitError, match="max_result_bytes"):
        ts.ensemble(sc, runs=5_000_000, vary="claims")  # every run kept: ~40 GB
    with ts.limits.override(max_result_bytes=10**12), pytest.raises(ParameterError, match="seed"):
        ts.ensemble(sc, runs=5_000_000, seed=-1)  # the seed is checked before any run too
    with pytest.raises(ParameterError, match=r"`seed` must be an int >= 0"):
        ts.ensemble(sc, runs=2, seed=-(2**63))


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"at_least": float("nan")}, "must be finite"), ({"at_most": "x"}, "must be a number"),
     ({"at_least": [1, 2]}, "must be a number"), ({}, "exactly one"),
     ({"at_least": 1, "at_most": 2}, "exactly one")],
)  # fmt: skip
def test_first_round_checks_its_threshold_as_threshold_does(ens: ts.Ensemble, kw, match) -> None:
    from tariffsim.analysis.reduce import Threshold

    with pytest.raises(ParameterError, match=match):
        ens.first_round("US", "CN", **kw)
    with pytest.raises(ParameterError, match=match):
        Threshold("US", "CN", **kw)


class _Junk:
    """A user's distribution whose ``sample`` returns ``make(size)``."""

    support = (0.0, 1.0)

    def __init__(self, make) -> None:
        self.make = make

    def ppf(self, u):
        return u

    def sample(self, rng, size):
        return self.make(size)


@pytest.mark.parametrize(
    ("make", "match"),
    [(lambda n: ["a"] * n, "real numbers"), (lambda n: object(), "real numbers"),
     (lambda n: 0.5, "real numbers"), (lambda n: np.full(n, 0.5 + 1j), "real numbers"),
     (lambda n: np.full(n, np.inf), "drew inf for run 0")],
)  # fmt: skip
def test_a_users_distribution_must_draw_finite_reals(sc: ts.Scenario, make, match) -> None:
    with pytest.raises(ParameterError, match=match):
        ts.ensemble(sc, runs=3, vary={"noise": _Junk(make)}, rounds=2)
    with pytest.raises(ParameterError, match="`high - low` must be finite"):
        Uniform(-1e308, 1e308)


def test_a_users_distribution_that_raises_is_named(sc: ts.Scenario) -> None:
    with pytest.raises(ParameterError, match=r"`vary\['noise'\]`: .*raised ZeroDivisionError") as e:
        ts.ensemble(sc, runs=3, vary={"noise": _Junk(lambda n: 1 / 0)}, rounds=2)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


class _Unsure(_Junk):
    @property  # type: ignore[override]
    def support(self) -> tuple[float, float]:
        raise RuntimeError("boom")


def test_a_users_distribution_whose_support_raises_is_named(sc: ts.Scenario) -> None:
    """Its ``support`` raising, as its ``sample`` raising: a tariffsim error naming the
    path; before, the bare RuntimeError came through."""
    with pytest.raises(ParameterError, match=r"`vary\['noise'\]`: .*raised RuntimeError: boom"):
        ts.ensemble(sc, runs=3, vary={"noise": _Unsure(lambda n: np.zeros(n))}, rounds=2)
    with pytest.raises(ParameterError, match="`support` raised RuntimeError: boom"):
        draw_range(_Unsure(lambda n: np.zeros(n)))


def test_two_spellings_of_a_path_draw_alike_and_not_both(sc: ts.Scenario) -> None:
    kw: dict[str, Any] = {"runs": 4, "seed": 3, "rounds": 2, "recalibrate": False}
    dots = ts.ensemble(sc, vary={"truth:pass_through.US.CN": Uniform(0.6, 1)}, **kw)
    dash = ts.ensemble(sc, vary={"truth:pass_through.US-CN": Uniform(0.6, 1)}, **kw)
    assert list(dash.draws) == ["truth:pass_through.US.CN"]
    np.testing.assert_array_equal(
        dots.draws["truth:pass_through.US.CN"], dash.draws["truth:pass_through.US.CN"]
    )
    with pytest.raises(
        ParameterError,
        match=r"names one parameter twice: 'pass_through\.US\.CN' and 'pass_through\.US-CN'",
    ):
        ts.ensemble(
            sc,
            runs=4,
            rounds=2,
            vary={"pass_through.US.CN": Uniform(0.6, 1), "pass_through.US-CN": Uniform(0.6, 1)},
        )


def test_record_bytes_are_what_a_batch_keeps() -> None:
    from tariffsim.engine import record_bytes

    for name in ts.list_scenarios():
        g = ts.load_scenario(name).game
        for mode in ("full", "compact"):
            pb = ts.simulate_batch(g, 4, seeds=range(3), record=mode)
            kept = sum(
                v.nbytes
                for v in vars(pb).values()
                if isinstance(v, np.ndarray) and v.shape[:1] == (3,)
            )
            assert kept == record_bytes(g, 4, 3, mode), (name, mode)


def test_batches_beyond_max_result_bytes_are_refused_before_any_run(sc: ts.Scenario) -> None:
    from tariffsim.analysis import simulate_runs
    from tariffsim.errors import LimitError

    with ts.limits.override(max_result_bytes=10_000):
        with pytest.raises(LimitError, match="max_result_bytes"):
            simulate_runs(sc, 20, seed=0, rounds=3, record="full")
        with pytest.raises(LimitError, match="max_result_bytes"):
            ts.simulate_batch(sc.game, 3, seeds=range(20), record="full")
        assert len(simulate_runs(sc, 2, seed=0, rounds=3, record="compact")) == 2


def test_a_runs_unknown_attribute_names_what_there_is(ens: ts.Ensemble) -> None:
    run = ens.run(0)
    with pytest.raises(
        AttributeError, match="a run has no 'recesion'; its series are the indicators recession"
    ):
        run.recesion  # noqa: B018
    assert not hasattr(run, "_private") and hasattr(run, "recession")
    import copy
    import pickle

    assert (
        copy.copy(run).index == 0 and pickle.loads(pickle.dumps(run)).index == 0
    )  # protocols intact


def test_hostile_values_give_tariffsim_errors(ens: ts.Ensemble, tmp_path) -> None:
    """Ints beyond any float, files that are not what they claim, paths that are not paths."""
    from tariffsim.analysis.summary import EnsembleSummary
    from tariffsim.errors import TariffsimError

    with pytest.raises(ParameterError, match="`at_least` must be finite"):
        ens.first_round("US", "CN", at_least=10**400)
    with pytest.raises(ParameterError, match="must be within"):
        ts.simulate_batch(ts.load_scenario("us-china-145").game, 2, seeds=[0],
                          overrides={"approval_base.US": [10**400]})  # fmt: skip
    with pytest.raises(ParameterError, match="is a folder, not a file"):
        EnsembleSummary.from_npz(tmp_path)
    with pytest.raises(ParameterError, match="no folder"):
        ens.to_npz(tmp_path / "missing" / "e.npz")
    with pytest.raises(ParameterError, match="must be a file path"):
        ens.to_npz(None)
    bad = tmp_path / "record.csv"
    bad.write_bytes(b"date,importer\n\xff\xfe,US\n")
    with pytest.raises(TariffsimError, match=r"invalid observed record .*not UTF-8"):
        ts.observed.load(bad)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("face_weight", "face_weight.US"),  # every country, and one of them
        ("face_weight.US", "face_weight"),  # either order: the last would win
        ("pass_through.US.CN", "truth:pass_through.US.CN"),  # both sides, and the truth
        ("belief:elasticity", "elasticity"),
        ("learning_rate", "learning_rate.US"),
    ],
)
def test_overlapping_paths_are_refused_before_any_run(
    sc: ts.Scenario, first: str, second: str
) -> None:
    """Two varied paths that set one value would leave each run with the last one's draw
    (which depended on the mapping's order) and export the other's draws as if used."""
    vary = {first: Uniform(0.1, 0.2), second: Uniform(0.3, 0.4)}
    with pytest.raises(ParameterError, match=r"`vary`: .* set the same values"):
        ts.ensemble(sc, runs=3, rounds=2, vary=vary)
    with pytest.raises(ParameterError, match=r"`params`: .* set the same values"):
        ts.sensitivity(sc, {first: (0.1, 0.2), second: (0.3, 0.4)}, ["peak"], n=2,
                       method="morris", rounds=2)  # fmt: skip


def test_disjoint_paths_of_one_field_are_two_factors(sc: ts.Scenario) -> None:
    """Sides that never meet, or different entries, are not an overlap."""
    vary = {
        "truth:elasticity": Uniform(1.5, 2.0),
        "belief:elasticity": Uniform(2.5, 3.0),
        "face_weight.US": Uniform(0.1, 0.2),
        "face_weight.CN": Uniform(0.3, 0.4),
    }
    ens = ts.ensemble(sc, runs=3, rounds=2, vary=vary, recalibrate=False)
    assert set(ens.draws) == set(vary)


@pytest.mark.parametrize(
    ("vary", "match"),
    [
        ({"face_weight.US": np.array([1, 2, np.nan])}, r"'face_weight\.US' \(run 2\) in `vary` "
         "must be finite"),
        ({"noise": [0.1, 2.0, 0.0]}, r"'noise' \(run 1\) in `vary` must be in \[0, 1\]"),
        ({"elasticity": Uniform(-3, -2)}, r"`vary\['elasticity'\]`: Uniform\(low=-3\.0, "
         r"high=-2\.0\) can draw from -3\.0 to -2\.0, but 'elasticity' must be in \(0, "),
    ],
)  # fmt: skip
def test_varied_values_are_checked_as_the_user_gave_them(
    sc: ts.Scenario, vary: dict[str, Any], match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values out of a parameter's range are named with the run and the argument (from an
    array) or the distribution and its draws' range (before drawing), before any run."""

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr("tariffsim.engine.simulate_batch", boom)
    with pytest.raises(ParameterError, match=match):
        ts.ensemble(sc, runs=3, rounds=2, vary=vary)


def test_peak_final_table_checks_its_levels(ens: ts.Ensemble) -> None:
    for bad in ("a", [0.5, 2], [float("nan")]):
        with pytest.raises(ParameterError, match="`q` must be levels in"):
            ens.peak_final_table(q=bad)


def _same_ensemble(a: ts.Ensemble, b: ts.Ensemble) -> None:
    """Every array bit for bit, every label and the scheduled events equal."""
    for k in ("tariff", *INDICATORS, "dates"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), k)
    assert (a.name, a.codes, a.dyads, a.seed, a.vary, a.events) == (
        b.name, b.codes, b.dyads, b.seed, b.vary, b.events,
    )  # fmt: skip
    for which in ("draws", "claim_draws"):
        x, y = getattr(a, which), getattr(b, which)
        assert list(x) == list(y)
        for p in x:
            np.testing.assert_array_equal(x[p], y[p])


@pytest.mark.parametrize("fmt", ["npz", "nc"])
def test_an_ensemble_reads_back_from_its_files(tmp_path, fmt: str) -> None:
    """What to_npz and to_netcdf write reads back whole: the same bands, events and plot."""
    e = ts.ensemble("us-china-145", runs=6, seed=2, vary="claims", rounds=8)
    f = tmp_path / f"e.{fmt}"
    if fmt == "npz":
        e.to_npz(f)
        back = ts.Ensemble.from_npz(f)
    else:
        e.to_netcdf(f)
        back = ts.Ensemble.from_netcdf(f)
    _same_ensemble(back, e)
    assert e.events and e.vary == "claims" and e.name == "us-china-145"
    ev = Threshold("US", "CN", at_least=1.2)
    assert back.prob(ev) == e.prob(ev)
    assert back.distributions == {}  # not stored: the draws are
    vary = {"elasticity": Uniform(1.5, 3.0), "noise": [0.0, 0.1, 0.2]}
    mixed = ts.ensemble("us-china-145", runs=3, seed=1, rounds=3, vary=vary)
    mixed.to_npz(tmp_path / "m.npz")
    _same_ensemble(ts.Ensemble.from_npz(tmp_path / "m.npz"), mixed)


def test_an_older_npz_without_labels_reads_back(tmp_path) -> None:
    e = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3)
    e.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as z:
        old = {k: z[k] for k in z.files if k not in ("name", "vary", "scheduled")}
    np.savez(tmp_path / "old.npz", **old)
    back = ts.Ensemble.from_npz(tmp_path / "old.npz")
    np.testing.assert_array_equal(back.tariff, e.tariff)
    assert (back.name, back.vary, back.events) == ("", "claims", ())  # what its draws show


def test_what_is_not_an_ensemble_file_is_named(tmp_path) -> None:
    e = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3)
    e.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as z:
        arrays = {k: z[k] for k in z.files}
    cases = {
        "no_tariff": ({k: v for k, v in arrays.items() if k != "tariff"}, "no tariff"),
        "short_dates": ({**arrays, "dates": arrays["dates"][:-1]}, "do not match"),
        "bad_recession": ({**arrays, "recession": arrays["recession"][:, :, :1]}, "recession"),
        "bad_draws": ({**arrays, "claim_draws": arrays["claim_draws"][:2]}, "claim_draws"),
        "bad_seed": ({**arrays, "seed": np.array(-1)}, "seed"),
        "text_tariff": ({**arrays, "tariff": arrays["tariff"].astype(str)}, "tariff"),
    }
    for name, (content, words) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **content)
        with pytest.raises(ParameterError, match=words):
            ts.Ensemble.from_npz(tmp_path / f"{name}.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ParameterError, match="is not an ensemble written by to_npz"):
        ts.Ensemble.from_npz(tmp_path / "junk.npz")
    with pytest.raises(ParameterError, match="is not an ensemble written by to_netcdf"):
        ts.Ensemble.from_netcdf(tmp_path / "junk.npz")
    # a file that is not there, or a folder, is said to be so (not "not an ensemble")
    for read in (ts.Ensemble.from_npz, ts.Ensemble.from_netcdf, ts.EnsembleSummary.from_npz,
                 ts.EnsembleSummary.from_netcdf):  # fmt: skip
        with pytest.raises(ParameterError, match=r"missing\.npz' does not exist\.$"):
            read(tmp_path / "missing.npz")
        with pytest.raises(ParameterError, match="is a folder, not a file"):
            read(tmp_path)
    s = ts.ensemble("us-china-145", runs=3, seed=0, rounds=3, keep="summary", vary="claims")
    with pytest.raises(ParameterError, match=r"is an ensemble summary .*EnsembleSummary"):
        ts.Ensemble.from_xarray(s.to_xarray())  # a summary's dataset is not an ensemble's
    ds = s.to_xarray()
    del ds.attrs["kind"]  # (a dataset that does not say what it is: what it lacks, named)
    with pytest.raises(ParameterError, match="no approval, drawdown"):
        ts.Ensemble.from_xarray(ds)


def test_exports_label_every_variable_with_its_unit() -> None:
    e = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3)
    ds = e.to_xarray()
    assert ds["tariff"].attrs["units"] == "1" and "1.45 is 145%" in ds["tariff"].attrs["long_name"]
    assert ds["payoff"].attrs["units"] == "% of GDP a year"  # an annual rate, not the round's
    assert ds["drawdown"].attrs["units"] == "index %"
    units = dict(zip(ds["claim"].values.tolist(), ds["claim_unit"].values.tolist(), strict=True))
    assert units["pass_through_border_2018"].startswith("share")
    assert units["us_recession_baseline"].startswith("%")
    docs = dict(zip(ds["param"].values.tolist(), ds["param_doc"].values.tolist(), strict=True))
    assert all(docs.values())
    s = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3, keep="summary")
    sx = s.to_xarray()
    assert sx["recession_quantile"].attrs["units"] == "1"
    assert sx["payoff_count"].attrs["long_name"] == "runs holding the value (payoff)"
    frame = e.to_frame()
    for c in e.claim_draws:
        np.testing.assert_array_equal(frame[f"claim:{c}"].xs(0, level="round"), e.claim_draws[c])


def test_quantile_columns_are_one_per_level(ens: ts.Ensemble) -> None:
    """Levels whose short labels coincide get labels with more digits (one column dropped
    the other); a level given twice is refused."""
    rows = ens.quantile_rows([0.1234561, 0.1234562, 0.9999999, 1.0])
    cols = [k for k in rows[0] if k.startswith("US->CN ")]
    assert len(cols) == 4 and len(set(cols)) == 4
    b = ens.quantiles("recession", "US", [0.5, 0.5000001])
    assert len(b.rows()[0]) == 4 and b.to_frame().shape[1] >= 2
    assert b["q50.00001"].tolist() == b[0.5000001].tolist() == b.values[1].tolist()
    assert b[0.5].tolist() == b["q50"].tolist() == b.values[0].tolist()
    for q in ([0.5, 0.5], [0.1, 0.9, 0.1]):
        with pytest.raises(ParameterError, match="must not hold a level twice"):
            ens.quantiles("US", "CN", q)
        with pytest.raises(ParameterError, match="must not hold a level twice"):
            ens.quantile_rows(q)


def test_from_xarray_refuses_what_it_would_have_to_make_up(ens: ts.Ensemble, tmp_path) -> None:
    """Dates read as numbers (decode_times=False gave dates from 1970) and a dataset without
    its seed (seed 0 was made up) are refused."""
    import xarray as xr

    ens.to_netcdf(tmp_path / "e.nc")
    with (
        xr.open_dataset(tmp_path / "e.nc", engine="h5netcdf", decode_times=False) as ds,
        pytest.raises(ParameterError, match="dates are not dates"),
    ):
        ts.Ensemble.from_xarray(ds.load())
    with pytest.raises(ParameterError, match="no seed"):
        ts.Ensemble.from_xarray(ens.to_xarray().drop_attrs())
    back = ts.Ensemble.from_netcdf(tmp_path / "e.nc")
    assert back.seed == ens.seed and back.dates.tolist() == ens.dates.tolist()
    # tariffs turned to percent in the Dataset (the docs' example of an edit) read back as
    # 14,500% tariffs, and every probability of a peak came out wrong without a word
    pct = ens.to_xarray()
    pct["tariff"] *= 100
    with pytest.raises(ParameterError, match=r"tariffs must be fractions .* in percent\?"):
        ts.Ensemble.from_xarray(pct)


def test_the_draws_of_an_ensemble_are_read_only(ens: ts.Ensemble) -> None:
    """An Ensemble is frozen, its draws too (a key added broke to_npz, to_frame and run(k))."""
    import pickle

    for mapping in (ens.draws, ens.claim_draws):
        with pytest.raises(TypeError, match="read-only"):
            mapping["bogus"] = np.zeros(len(ens))
        with pytest.raises(TypeError, match="read-only"):
            mapping.update(bogus=np.zeros(len(ens)))
    again = pickle.loads(pickle.dumps(ens))
    assert list(again.draws) == list(ens.draws)
    assert all(again.draws[k].tobytes() == v.tobytes() for k, v in ens.draws.items())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda z: z.update(dates=z["dates"][::-1]), "dates must increase"),
        (lambda z: z.update(dyads=np.array(["US->ZZ"] * len(z["dyads"]))), "joins two of"),
        (lambda z: z.update(seed=np.array(-5)), r"the seed must be an int >= 0; got -5"),
        (lambda z: z["tariff"].__setitem__((0, 0, 0), np.nan), "tariff must be finite"),
        (lambda z: z["recession"].__setitem__((0, 1, 0), np.inf), "recession must be finite"),
        (lambda z: z["tariff"].__setitem__((0, 0, 0), -0.5), "tariffs must be >= 0"),
    ],
)
def test_an_npz_with_corrupt_content_is_refused(ens: ts.Ensemble, tmp_path, edit, match) -> None:
    """Content that no ensemble writes: reversed dates (round_of then answered wrongly),
    dyads of unknown countries, a seed ensemble refuses, NaN values (bands of NaN)."""
    ens.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as f:
        z = {k: np.array(f[k]) for k in f.files}
    edit(z)
    np.savez(tmp_path / "bad.npz", **z)
    with pytest.raises(ParameterError, match=match):
        ts.Ensemble.from_npz(tmp_path / "bad.npz")


def test_a_round_by_beyond_the_last_round_is_refused_as_a_date_is(ens: ts.Ensemble) -> None:
    """``by=100`` on an ensemble of fewer rounds was cut to the last round silently, while a
    date after the last round was refused."""
    late = Threshold("US", "CN", at_least=0.5, by=ens.rounds + 1)
    with pytest.raises(ParameterError, match=r"`by` \(\d+\) is beyond the last round"):
        ens.prob(late)
    assert 0 <= ens.prob(Threshold("US", "CN", at_least=0.5, by=ens.rounds)) <= 1


def test_first_round_after_the_last_round_is_refused_as_a_threshold_is(ens: ts.Ensemble) -> None:
    """It answered -1 ("never") in every run, and a run's view None, where the event's
    probability was refused."""
    t = ens.rounds
    with pytest.raises(
        ParameterError, match=rf"`after` \({t + 1}\) is beyond the last round \({t}\)"
    ):
        ens.first_round("US", "CN", at_least=0.0, after=t + 1)
    with pytest.raises(ParameterError, match=r"`after` \(\d+\) is beyond the last round"):
        ens.run(0).first_round("US", "CN", at_least=0.0, after=t + 1)
    with pytest.raises(ParameterError, match=r"`after` \(\d+\) is beyond the last round"):
        ens.prob(Threshold("US", "CN", at_least=0.0, after=t + 1))
    assert (ens.first_round("US", "CN", at_least=0.0, after=t) == t).all()  # the last round


# ---------------------------------------------------------------------------
# distributions: finite draws, a range of draws known before drawing
# ---------------------------------------------------------------------------
# numpy's Generator.random() returns multiples of 2**-53 in [0, 1 - 2**-53]: these are
# its smallest and largest uniforms (and the next ones), which any seed can produce
EXTREME_UNIFORMS = np.array([0.0, 2.0**-53, 2.0**-52, 0.5, 1 - 2.0**-52, 1 - 2.0**-53])


class _Extremes:
    """A stand-in generator whose uniforms are ``EXTREME_UNIFORMS``, over and over."""

    def random(self, size: int) -> np.ndarray:
        return np.resize(EXTREME_UNIFORMS, size)


def _all_draws(dist: Any) -> np.ndarray:
    """Draws at the generator's extreme uniforms and from a real generator."""
    return np.concatenate(
        [
            dist.sample(_Extremes(), len(EXTREME_UNIFORMS)),
            dist.sample(np.random.default_rng(0), 500),
        ]
    )


_WIDE = st.one_of(
    st.floats(-10.0, 10.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e307, -5e307, 1e161, -1e161, 700.0, 710.0]),
)
_POSITIVE = st.one_of(
    st.floats(1e-3, 10.0),
    st.floats(min_value=5e-324, max_value=1.7e308),
    st.sampled_from([1e-10, 1e10, 1e-11, 1e11, 1e300, 1e-300, 1.7e-20, 2.3e-4]),
)


@st.composite
def _any_distribution(draw: st.DrawFn) -> tuple[str, tuple[float, ...]]:
    """A distribution's name and arguments, most of them far from sensible."""
    kind = draw(st.sampled_from(["Uniform", "Triangular", "Normal", "LogNormal", "Beta"]))
    if kind == "Uniform":
        args = tuple(sorted(draw(st.lists(_WIDE, min_size=2, max_size=2))))
    elif kind == "Triangular":
        args = tuple(sorted(draw(st.lists(_WIDE, min_size=3, max_size=3))))
    elif kind == "Normal":
        bound = st.one_of(_WIDE, st.sampled_from([-np.inf, np.inf]))
        lo, hi = sorted(draw(st.lists(bound, min_size=2, max_size=2)))
        args = (draw(_WIDE), draw(_POSITIVE), lo, hi)
    elif kind == "LogNormal":
        args = (draw(_WIDE), draw(_POSITIVE))
    else:
        lo, hi = sorted(draw(st.lists(_WIDE, min_size=2, max_size=2)))
        args = (draw(_POSITIVE), draw(_POSITIVE), lo, hi)
    return kind, args


@given(spec=_any_distribution())
@settings(max_examples=400, deadline=None)
def test_a_distribution_is_refused_on_construction_or_draws_finite_numbers(spec) -> None:
    """Every draw a distribution can make (at the generator's extreme uniforms too) is
    finite; parameters that would give an infinity or a NaN are refused when it is made."""
    kind, args = spec
    try:
        dist = getattr(ts.analysis, kind)(*args)
    except ParameterError:
        return
    x = _all_draws(dist)  # (a RuntimeWarning of tariffsim fails the test too)
    assert np.isfinite(x).all(), (dist, x)


@given(spec=_any_distribution())
@settings(max_examples=300, deadline=None)
def test_every_draw_lies_in_the_draw_range_and_the_support(spec) -> None:
    from tariffsim.analysis.distributions import draw_range

    kind, args = spec
    try:
        dist = getattr(ts.analysis, kind)(*args)
    except ParameterError:
        return
    lo, hi = dist.draw_range
    assert draw_range(dist) == (lo, hi)
    assert np.isfinite([lo, hi]).all() and lo <= hi
    x = _all_draws(dist)
    assert np.all((x >= lo) & (x <= hi)), (dist, lo, hi, x)
    # the draws at the extreme uniforms are the ends of the range
    ends = dist.sample(_Extremes(), len(EXTREME_UNIFORMS))
    assert (ends.min(), ends.max()) == (lo, hi)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ts.analysis.Beta(1, 1, -1e308, 1e308),
         r"Beta: `high - low` must be finite; got low=-1e\+308, high=1e\+308"),
        (lambda: Triangular(-1e308, 0, 1e308),
         r"Triangular: `high - low` must be finite; got low=-1e\+308, high=1e\+308"),
        (lambda: Normal(0, 1e308),
         r"Normal: draws must be finite; with mean=0\.0, sd=1e\+308, low=-inf, high=inf the "
         r"smallest draw is -inf\. Give a smaller `sd`"),
        (lambda: ts.analysis.LogNormal(1e308, 1),
         r"LogNormal: draws must be finite; with mu=1e\+308, sigma=1\.0 the smallest draw is inf"),
        (lambda: ts.analysis.LogNormal(700.0, 2.0), r"LogNormal: .* the largest draw is inf"),
        (lambda: ts.analysis.Beta(2, 1e300), r"Beta: `b` must be in \[1e-10, 1e\+10\]"),
        (lambda: ts.analysis.Beta(2.3e-4, 1.7e-20), r"Beta: `b` must be in \[1e-10, 1e\+10\]"),
        (lambda: ts.analysis.Beta(1e11, 3), r"Beta: `a` must be in \[1e-10, 1e\+10\] .*; got "
         r"a=100000000000\.0"),
    ],
)  # fmt: skip
def test_parameters_giving_non_finite_draws_are_refused_naming_them(make, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        make()


@pytest.mark.parametrize(
    "dist",
    [Normal(0.0, 1.0), Normal(0.0, 1.0, low=0.0), Normal(3.0, 2.0, high=3.0),
     Normal(0.0, 1.0, low=1.0), Triangular(-1e161, 0.0, 1e161), Triangular(-5e307, 1.0, 5e307),
     ts.analysis.LogNormal(0.0, 1.0), ts.analysis.Beta(0.5, 0.5, -1.0, 1.0)],
    ids=repr,
)  # fmt: skip
def test_extreme_uniforms_give_finite_draws_in_the_support(dist) -> None:
    """The generator's 0 (a normal's quantile -inf) and its 1 - 2**-53 (where a normal
    truncated below only rounded its probability to 1: +inf) give finite draws."""
    x = dist.sample(_Extremes(), len(EXTREME_UNIFORMS))
    lo, hi = dist.support
    assert np.isfinite(x).all() and np.all((x >= lo) & (x <= hi)), x
    assert np.all(np.diff(x[1:-1][np.argsort(EXTREME_UNIFORMS[1:-1])]) >= 0)  # in order


# ---------------------------------------------------------------------------
# vary: a distribution is checked against the parameter's range before drawing
# ---------------------------------------------------------------------------
PATHS = ("elasticity", "pass_through.US.CN", "recession_base.US", "noise", "face_weight.US",
         "support_effect")  # fmt: skip


@st.composite
def _moderate_distribution(draw: st.DrawFn) -> Any:
    """A distribution with much or little of its mass near a parameter's bounds."""
    kind = draw(st.sampled_from(["Uniform", "Triangular", "Normal", "Trunc", "LogNormal", "Beta"]))
    x = draw(st.lists(st.floats(-2.0, 3.0), min_size=3, max_size=3, unique=True))
    lo, mid, hi = sorted(x)
    scale = draw(st.floats(1e-3, 2.0))
    if kind == "Uniform":
        return Uniform(lo, hi)
    if kind == "Triangular":
        return Triangular(lo, mid, hi)
    if kind == "Normal":
        return Normal(mid, scale)
    if kind == "Trunc":
        return Normal(mid, scale, lo, hi)
    if kind == "LogNormal":
        return ts.analysis.LogNormal(mid, scale)
    return ts.analysis.Beta(draw(st.floats(0.1, 10.0)), draw(st.floats(0.1, 10.0)), lo, hi)


def _outcome(path: str, dist: Any, runs: int, seed: int) -> str:
    from tariffsim.analysis.vary import draw

    try:
        draw({path: dist}, runs, seed)
    except ParameterError as e:
        return str(e)
    return "accepted"


@given(
    path=st.sampled_from(PATHS),
    dist=_moderate_distribution(),
    a=st.tuples(st.integers(1, 3000), st.integers(0, 2**63 - 1)),
    b=st.tuples(st.integers(1, 3000), st.integers(0, 2**63 - 1)),
)
@settings(max_examples=300, deadline=None)
def test_a_distribution_is_accepted_or_refused_whatever_runs_and_seed(path, dist, a, b) -> None:
    got = _outcome(path, dist, *a)
    assert got == _outcome(path, dist, *b)
    if got == "accepted":  # then so are its draws at the generator's extreme uniforms
        x = dist.sample(_Extremes(), len(EXTREME_UNIFORMS))
        parampath.validate_values(parampath.parse(path), x, runs=len(x), arg="vary")


@pytest.mark.parametrize("runs", [1, 2, 5, 50])
def test_a_normal_reaching_below_zero_is_refused_for_elasticity_before_any_run(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch, runs: int
) -> None:
    from scipy import stats

    _no_work(monkeypatch)
    for seed in range(20):
        with pytest.raises(ParameterError) as err:
            ts.ensemble(sc, runs=runs, seed=seed, rounds=3, vary={"elasticity": Normal(1, 2)})
        msg = str(err.value)
        assert msg.startswith("`vary['elasticity']`: Normal(mean=1.0, sd=2.0, low=-inf, high=inf)")
        lo, hi = (float(v) for v in re_search(r"can draw from (\S+) to (\S+), but", msg))
        # the quantiles at numpy's smallest positive and largest uniform
        np.testing.assert_allclose([lo, hi], stats.norm(1, 2).ppf([2.0**-53, 1 - 2.0**-53]))
        assert "'elasticity' must be in (0, " in msg
        assert "whatever `runs` and `seed`" in msg
        for name in ("Uniform", "Triangular", "Beta", "Normal truncated"):
            assert name in msg


def re_search(pattern: str, text: str) -> tuple[str, ...]:
    import re

    m = re.search(pattern, text)
    assert m is not None, text
    return m.groups()


def test_a_bound_the_parameter_excludes_is_a_draw_too() -> None:
    """Uniform(0.5, 1) draws 1.0 at the generator's largest uniform: refused for recession
    odds, which must be below 1, whatever runs."""
    dist = Uniform(0.5, 1.0)
    assert dist.sample(_Extremes(), len(EXTREME_UNIFORMS)).max() == 1.0
    for runs in (1, 10):
        assert "can draw from 0.5 to 1.0" in _outcome("recession_base.US", dist, runs, 0)
    assert _outcome("recession_base.US", Uniform(0.5, 0.99), 10, 0) == "accepted"


def test_a_normal_far_from_the_bound_is_accepted_whatever_runs(sc: ts.Scenario) -> None:
    """Normal(2.5, 0.1) has mass below 0 far smaller than any uniform a draw is made of."""
    from scipy import stats

    dist = Normal(2.5, 0.1)
    assert stats.norm(2.5, 0.1).cdf(0.0) < 2.0**-53
    for runs in (1, 5000):
        d, _ = ts.analysis.vary.draw({"elasticity": dist}, runs, seed=3)
        assert np.all(d["elasticity"] > 0)
    e = ts.ensemble(sc, runs=3, seed=1, rounds=2, vary={"elasticity": dist})
    assert e.draws["elasticity"].shape == (3,)


def test_a_users_distribution_is_checked_by_its_support(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = _Junk(lambda n: np.full(n, 0.5))
    wide.support = (-1.0, 2.0)  # declares draws outside [0, 1]; these happen to be inside
    inside = _Junk(lambda n: np.full(n, 0.5))
    _no_work(monkeypatch)
    for runs in (1, 3):
        with pytest.raises(ParameterError, match=r"has support .* from -1\.0 to 2\.0, but 'noise'"):
            ts.ensemble(sc, runs=runs, rounds=2, vary={"noise": wide})
    d, _ = ts.analysis.vary.draw({"noise": inside}, 3, seed=0)
    np.testing.assert_array_equal(d["noise"], [0.5, 0.5, 0.5])
    bad = _Junk(lambda n: np.full(n, 0.5))
    bad.support = "anything"
    with pytest.raises(ParameterError, match="`support` must be two numbers"):
        ts.analysis.vary.draw({"noise": bad}, 3, seed=0)


def test_a_boolean_among_quantile_levels_is_refused(ens: ts.Ensemble) -> None:
    """[True, 0.5] read as [1.0, 0.5]; booleans among numbers are refused as elsewhere."""
    with pytest.raises(ParameterError, match="`q` must be levels"):
        ens.quantiles("US", "CN", [True, 0.5])


def test_recalibrate_false_with_the_claims_is_refused_not_ignored() -> None:
    from tariffsim.analysis.sensitivity import sensitivity

    sc = ts.load_scenario("us-china-145")
    with pytest.raises(ts.ParameterError, match="no effect with `vary`='claims'"):
        ts.ensemble(sc, runs=2, seed=0, vary="claims", recalibrate=False, progress=False)
    with pytest.raises(ts.ParameterError, match="no effect with `params`='claims'"):
        sensitivity(sc, "claims", method="morris", n=2, recalibrate=False)


def test_peak_quantiles_default_to_the_levels_of_quantiles() -> None:
    sc = ts.load_scenario("us-china-145")
    kw: dict[str, Any] = dict(runs=40, seed=3, vary={"belief:pass_through.US.CN": Uniform(0, 0.5)},
                              rounds=20, progress=False)  # fmt: skip
    ens = ts.ensemble(sc, **kw)
    want = np.quantile(ens.series("US", "CN").max(axis=1), [0.05, 0.5, 0.95])
    assert np.array_equal(ens.peak_quantiles("US", "CN"), want)
    summ = ts.ensemble(sc, keep="summary", **kw)
    assert np.array_equal(summ.peak_quantiles("US", "CN"), want)


def test_a_run_reads_one_countrys_indicator_as_a_series_too() -> None:
    sc = ts.load_scenario("us-china-145")
    ens = ts.ensemble(sc, runs=3, seed=0, rounds=6, vary="claims", progress=False)
    run = ens.run(2)
    us = list(run.codes).index("US")
    assert np.array_equal(run.indicator("recession", "US"), ens.recession[2, :, us])
    assert np.array_equal(run.series("recession", "US"), ens.recession[2, :, us])
    assert run.peak("recession", "US") == ens.recession[2, :, us].max()


def test_equal_medians_stay_visible_in_the_fan_chart() -> None:
    import matplotlib

    matplotlib.use("Agg")
    ens = ts.ensemble("four-country-2025", runs=20, seed=0, vary="claims", rounds=8,
                      progress=False)  # fmt: skip
    fig = ens.plot()
    for ax in fig.axes:
        medians = [ln for ln in ax.get_lines() if ln.get_label().endswith("(median)")]
        assert len(medians) >= 4
        # one solid line, drawn first and widest: every later one is broken and narrower
        assert medians[0].get_linestyle() == "-"
        assert all(ln.get_linestyle() != "-" for ln in medians[1:])
        widths = [ln.get_linewidth() for ln in medians]
        assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]


def test_claims_beside_a_mapping(sc: ts.Scenario) -> None:
    """vary={"claims": True, path: dist, ...}: the claims draw as under vary="claims" and the
    paths as in a mapping (each its own stream: neither changes the other's draws), each run
    is the what-if of both (the claims' targets hold at the calibration state, the belief
    drawn is the agents'), and run k is simulate on its parameters with its seed."""
    from tariffsim.analysis.vary import draw

    paths = {"belief:pass_through.US.CN": Uniform(0.0, 0.5), "noise": Uniform(0.0, 0.1)}
    e = ts.ensemble(sc, runs=6, seed=5, vary={"claims": True, **paths}, rounds=T)
    alone = ts.ensemble(sc, runs=6, seed=5, vary="claims", rounds=T)
    assert e.vary == "claims+mapping" and set(e.distributions) == {*alone.claim_draws, *paths}
    for c, v in alone.claim_draws.items():
        assert v.tobytes() == e.claim_draws[c].tobytes(), c
    mine, _ = draw(paths, 6, 5)
    for p, v in mine.items():
        assert v.tobytes() == e.draws[p].tobytes(), p
    w = sc.world
    us, state = w.index("US"), calibration_state(w)
    seeds = np.random.SeedSequence(5).spawn(6)
    for k in range(6):
        g = parampath.apply(sc.game, e.run(k).draws)
        bd = PayoffModel(w, g.model.params).breakdown(state)
        odds = e.claim_draws["us_recession_odds_forecasters"][k] / 100
        assert float(bd.recession[0, us]) == pytest.approx(odds, rel=1e-12)
        us_agent = next(a for a in g.agents if a.code == "US")
        assert float(us_agent.beliefs.perceived.pass_through[us, w.index("CN")]) == float(
            mine["belief:pass_through.US.CN"][k]
        )
        one = ts.simulate(g, T, rng=np.random.default_rng(seeds[k]))
        np.testing.assert_array_equal(e.recession[k], one.recession)
        np.testing.assert_array_equal(e.run(k).series("US", "CN"), one.series("US", "CN"))
    s = ts.ensemble(sc, runs=6, seed=5, vary={"claims": True, **paths}, rounds=T, keep="summary")
    np.testing.assert_array_equal(
        s.quantiles("US", "CN", [0.5]).values, e.quantiles("US", "CN", [0.5]).values
    )
    with pytest.raises(ParameterError, match="sets what the claim 'pass_through_border_2018'"):
        ts.ensemble(sc, runs=3, vary={"claims": True, "pass_through.US.CN": Uniform(0.5, 0.7)})
    # a belief about a calibrated field, drawn or held by a what-if, leaves the truth to the
    # claims' targets (it used to keep the truth's slope, and the drawn odds went unmet)
    for s, v in (
        (sc, {"claims": True, "belief:recession_slope": Uniform(1.0, 3.0)}),
        (sc.with_params({"belief:recession_slope": 2.0}), "claims"),
    ):
        b = ts.ensemble(s, runs=3, seed=1, vary=v, rounds=2)
        for k in range(3):
            g = parampath.apply(s.game, b.run(k).draws)
            bd = PayoffModel(w, g.model.params).breakdown(state)
            odds = b.claim_draws["us_recession_odds_forecasters"][k] / 100
            assert float(bd.recession[0, us]) == pytest.approx(odds, rel=1e-12)
            want = b.draws["belief:recession_slope"][k] if isinstance(v, dict) else 2.0
            for a in g.agents:
                if a.beliefs is not None:
                    assert float(a.beliefs.perceived.recession_slope) == want
    for bad in (1, "yes", None):
        with pytest.raises(ParameterError, match=r"`vary\['claims'\]` must be True"):
            ts.ensemble(sc, runs=3, vary={"claims": bad})
    with pytest.raises(ParameterError, match="recalibrate=False"):
        ts.ensemble(sc, runs=3, vary={"claims": True, **paths}, recalibrate=False)


def test_a_distribution_held_to_its_support_and_masked_values_refused(sc: ts.Scenario) -> None:
    """A user's distribution that draws outside the support it declares, and a masked array
    with masked entries (whose hidden values would be used), are refused before any run."""

    class Liar:
        support = (2.0, 3.0)

        def sample(self, rng: Any, n: int) -> Any:
            return np.full(n, 10.0)  # inside elasticity's range, outside its own word

        def ppf(self, u: Any) -> Any:
            return np.full(np.shape(u), 2.5)

    with pytest.raises(ParameterError, match=r"drew 10\.0 for run 0, outside the range"):
        ts.ensemble(sc, runs=4, seed=0, vary={"elasticity": Liar()}, rounds=3)
    masked = np.ma.array([2.0, 3.0, 4.0, 5.0], mask=[0, 1, 0, 0])
    with pytest.raises(ParameterError, match="masked array with masked entries"):
        ts.ensemble(sc, runs=4, seed=0, vary={"elasticity": masked}, rounds=3)
    whole = np.ma.array([2.0, 3.0, 4.0, 5.0], mask=[0, 0, 0, 0])  # nothing masked: its values
    e = ts.ensemble(sc, runs=4, seed=0, vary={"elasticity": whole}, rounds=3)
    np.testing.assert_array_equal(e.draws["elasticity"], [2.0, 3.0, 4.0, 5.0])


def test_claims_a_world_cannot_calibrate_on_are_not_drawn() -> None:
    """A world where the US imports nothing from China takes the default world's calibrated
    values: the odds and approval targets have nothing to act on there, so those claims are
    not drawn (they used to be drawn, recorded, and ignored)."""
    from tariffsim.analysis.vary import claim_distributions

    w0 = ts.World.default()
    imp = np.array(w0.imports)
    imp[w0.index("US"), w0.index("CN")] = 0.0
    w = w0.replace(imports=imp)
    agents = (ts.Agent("US", ts.MyopicBestResponse(), targets=("CN",)),
              ts.Agent("CN", ts.MyopicBestResponse(), targets=("US",)))  # fmt: skip
    g = ts.Game(world=w, model=ts.PayoffModel(w, ts.Params.default(w)), agents=agents, rounds=4)
    assert g.model.params.calibration.get("reference_world")
    drawn = {c.claim for c in claim_distributions(g)}
    assert not drawn & {"us_recession_odds_forecasters", "approval_39_45"}
    assert "us_recession_baseline" in drawn
    e = ts.ensemble(g, runs=3, seed=0, vary="claims")
    assert set(e.claim_draws) == drawn


def test_claims_that_cannot_be_met_say_why_and_where(sc: ts.Scenario) -> None:
    """A what-if whose baseline odds exceed a drawn target: the error names the argument and
    the row as the caller knows them, and gives advice the library takes (not
    recalibrate=False, which the claims refuse)."""
    alt = sc.with_params({"recession_base.US": 0.5})
    with pytest.raises(ParameterError, match="targets cannot be met") as err:
        ts.ensemble(alt, runs=20, vary="claims")
    assert str(err.value).startswith("`vary`: run ") and "recalibrate=False" not in str(err.value)
    with (
        pytest.raises(ParameterError, match="targets cannot be met") as err,
        pytest.warns(WhatIfHeldWarning, match="us_recession_baseline"),
    ):
        ts.sensitivity(alt, "claims", "peak", method="morris", n=4, rounds=4)
    assert str(err.value).startswith("`params`: design point ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lo=st.floats(-1e3, 1e3),
    width=st.floats(1e-3, 1e3),
    frac=st.floats(0.0, 1.0),
    shape=st.floats(0.5, 20.0),
)
def test_a_distributions_text_reads_back_as_itself(lo, width, frac, shape) -> None:
    """parse_distribution(repr(d)) == d for every kind (what --draw reads and a summary's
    `drawn` keeps), the name in any case."""
    from tariffsim.analysis import Beta, LogNormal
    from tariffsim.analysis.distributions import parse_distribution

    hi = lo + width
    for d in (
        Uniform(lo, hi),
        Triangular(lo, lo + frac * width, hi),
        Normal(lo, width, low=lo - width, high=hi),
        Normal(lo, width),
        LogNormal(frac, shape / 10),
        Beta(shape, 1 + frac, low=lo, high=hi),
    ):
        assert parse_distribution(repr(d)) == d
        assert parse_distribution(repr(d).lower()) == d


def test_results_hold_their_own_arrays():
    """An ensemble (and a batch) built from a user's arrays copies them; the library's own
    results are frozen without a copy, and no result can be written through."""
    sc = ts.load_scenario("us-china-145")
    ens = ts.ensemble(sc, runs=6, seed=0, vary="claims", rounds=4, progress=False)
    mine = {k: np.array(getattr(ens, k)) for k in ("tariff", *INDICATORS)}
    built = ts.Ensemble(name=ens.name, codes=ens.codes, dates=ens.dates, dyads=ens.dyads, **mine)
    for k, v in mine.items():
        assert getattr(built, k) is not v
        v[...] = -1.0  # the user's arrays change; the ensemble's do not
        assert np.array_equal(getattr(built, k), getattr(ens, k))
    again = dataclasses.replace(ens)
    for ours in (ens, again, built):
        for k in ("tariff", *INDICATORS):
            with pytest.raises(ValueError):
                getattr(ours, k)[0, 0, 0] = 1.0
    assert again.tariff is not ens.tariff and np.array_equal(again.tariff, ens.tariff)
    batch = ts.simulate_batch(sc.game, 4, seeds=[1, 2])
    copy = dataclasses.replace(batch, tariff=np.array(batch.tariff))
    for b in (batch, copy):
        with pytest.raises(ValueError):
            b.tariff[0, 0, 0, 0] = 1.0


def test_an_events_own_errors_and_odd_indicators_are_named(ens: ts.Ensemble) -> None:
    """A per-run event that fails (or takes the wrong arguments), a ragged array of events and
    indicators that are no names give tariffsim errors naming the argument (and the run)."""
    with pytest.raises(ParameterError, match=r"`event` failed on run 0: ZeroDivisionError") as e:
        ens.prob(lambda p: 1 / 0)
    assert isinstance(e.value.__cause__, ZeroDivisionError)  # the user's error kept
    with pytest.raises(ParameterError, match="`event` failed on run 0: TypeError"):
        ens.prob(lambda: True)
    with pytest.raises(ParameterError, match="uneven lengths"):
        ens.prob([[True], [True, False]])
    for bad in (None, 5):
        with pytest.raises(ParameterError, match="`indicators` must be a sequence of names"):
            ens.quantile_rows(indicators=bad)
    with pytest.raises(UnknownNameError, match="unknown indicator"):
        ens.quantile_rows(indicators=[["recession"]])
    one = ens.quantile_rows(indicators="approval")[0]  # a name alone is that indicator
    assert any(k.endswith("approval q5") for k in one) and not any("recession" in k for k in one)


def test_a_file_with_no_runs_or_nan_draws_is_refused_on_reading(ens: ts.Ensemble) -> None:
    """What no ensemble holds (no run; a NaN drawn) is refused when read, not later as an
    IndexError or a NaN probability."""
    ds = ens.to_xarray()
    with pytest.raises(ParameterError, match="0 runs"):
        ts.Ensemble.from_xarray(ds.isel(run=slice(0, 0)))
    with pytest.raises(ParameterError, match="draws must be finite"):
        ts.Ensemble.from_xarray(ds.assign(draws=ds.draws * np.nan))


def test_a_dyad_may_be_named_as_its_label_prints_it(ens: ts.Ensemble) -> None:
    """``quantiles("US->CN")`` (the label the bands print) is ``quantiles("US", "CN")`` in a
    full and a summary ensemble, a run and a path; one code alone is a ParameterError, not a
    bare TypeError."""
    q = ens.quantiles("US", "CN").values
    for spelled in ("US->CN", "US-CN", ("US", "CN")):
        np.testing.assert_array_equal(ens.quantiles(spelled).values, q)  # type: ignore[arg-type]
    np.testing.assert_array_equal(ens.mean("US->CN"), ens.mean("US", "CN"))
    np.testing.assert_array_equal(ens.peak("US->CN"), ens.peak("US", "CN"))
    np.testing.assert_array_equal(ens.peak_quantiles("US->CN"), ens.peak_quantiles("US", "CN"))
    run = ens.run(0)
    assert run.peak("CN->US") == run.peak("CN", "US")
    np.testing.assert_array_equal(run.series("CN->US"), run.series("CN", "US"))
    path = ts.load_scenario("us-china-145").simulate(seed=0, rounds=12)
    assert path.peak("US->CN") == path.peak("US", "CN") == 1.45
    np.testing.assert_array_equal(path.steps("US-CN"), path.steps("US", "CN"))
    s = ts.ensemble("us-china-145", runs=3, seed=0, rounds=3, keep="summary", vary="claims")
    np.testing.assert_array_equal(s.quantiles("US->CN").values, s.quantiles("US", "CN").values)
    np.testing.assert_array_equal(s.peak_quantiles("US->CN"), s.peak_quantiles("US", "CN"))
    # the levels second when the dyad is one argument, as they are third with two codes
    np.testing.assert_array_equal(
        ens.quantiles("US->CN", [0.1, 0.9]).values, ens.quantiles("US", "CN", [0.1, 0.9]).values
    )
    np.testing.assert_array_equal(
        s.peak_quantiles("US->CN", [0.5]), s.peak_quantiles("US", "CN", [0.5])
    )
    np.testing.assert_array_equal(
        ens.first_round("US->CN", at_least=0.5), ens.first_round("US", "CN", at_least=0.5)
    )
    assert run.first_round("US->CN", at_least=0.5) == run.first_round("US", "CN", at_least=0.5)
    for f in ("headline", "tariffs", "coverage"):
        np.testing.assert_array_equal(getattr(path, f)("US->CN"), getattr(path, f)("US", "CN"))
    from tariffsim.errors import RunsNotKeptError

    for f in ("series", "peak", "first_round"):
        with pytest.raises(RunsNotKeptError):
            getattr(s, f)("US->CN")
    for call in (lambda: ens.quantiles("US"), lambda: path.series("US"),
                 lambda: s.mean("recession")):  # fmt: skip
        with pytest.raises(ParameterError, match="a dyad is"):
            call()


def test_overlapping_fan_bands_keep_their_own_edges() -> None:
    """Where two bands overlap their tints mix into one grey; each band is edged in its own
    colour, wherever it has width (and nowhere else, not to run through a broken median
    line), and the legend says how to read the bands."""
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgb

    matplotlib.use("Agg")
    draws = {"claims": True, "belief:pass_through.US.CN": Uniform(0.0, 0.5)}
    e = ts.ensemble("us-china-145", runs=40, seed=0, vary=draws, rounds=20, progress=False)
    ax = e.plot(indicators=()).axes[0]
    medians = _medians(ax)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    x = matplotlib.dates.date2num(e.dates.astype(object))
    q = (0.05, 0.25, 0.5, 0.75, 0.95)
    for (a, b), name in ((("US", "CN"), "US tariff on CN"), (("CN", "US"), "CN tariff on US")):
        colour = to_rgb(medians[name].get_color())
        v = 100 * e.quantiles(a, b, q).values
        mine = [c for c in bands if tuple(c.get_facecolor()[0][:3]) == colour]
        assert len(mine) == 2  # the outer band, then the inner one
        for band, (lo, hi), style in zip(mine, ((0, 4), (1, 3)), (":", "-"), strict=True):
            wide = np.flatnonzero(v[hi] > v[lo])
            assert 0 < len(wide) < v.shape[1]  # the band opens and closes again
            assert band.get_linewidth()[0] > 0
            assert tuple(band.get_edgecolor()[0][:3]) == colour
            dashes = band.get_linestyle()[0][1]  # the outer band's edges dotted, the inner solid
            assert (dashes is None) == (style == "-")
            pts = np.concatenate([p.vertices for p in band.get_paths()])
            # drawn over the rounds where it has width (each round's step to the next date)
            assert pts[:, 0].min() == x[wide[0]] and pts[:, 0].max() == x[wide[-1] + 1]
            assert pts[:, 1].max() == v[hi, wide].max() and pts[:, 1].min() == v[lo, wide].min()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-2:] == ["5–95% of runs", "25–75% of runs"]


def test_first_round_after_a_date(ens: ts.Ensemble) -> None:
    """`after` took a round only, where Threshold(by=...) and round_of take dates: a date is
    the first round dated on or after it, the same answer as that round's number."""
    dates = ens.dates.astype("datetime64[D]")
    for k in (0, 3, len(dates) - 1):
        by_round = ens.first_round("US", "CN", at_most=0.3, after=k)
        for day in (str(dates[k]), dates[k].astype(dt.date), dates[k], dates[k] - 1):
            np.testing.assert_array_equal(
                ens.first_round("US", "CN", at_most=0.3, after=day), by_round
            )
        assert ens.run(1).first_round("US->CN", at_most=0.3, after=str(dates[k])) == (
            None if by_round[1] < 0 else int(by_round[1])
        )
    with pytest.raises(ParameterError, match=r"`after` .* is after the last round"):
        ens.first_round("US", "CN", at_most=0.3, after=str(dates[-1] + 1))
    with pytest.raises(ParameterError, match="after"):
        ens.first_round("US", "CN", at_most=0.3, after="14 April")


def test_a_read_back_ensemble_says_what_was_drawn(ens: ts.Ensemble, tmp_path) -> None:
    """Its repr lost "5 claims drawn" once written and read back (the claims' draws were
    there, the distributions are not kept)."""
    ens.to_npz(tmp_path / "e.npz")
    back = ts.Ensemble.from_npz(tmp_path / "e.npz")
    assert repr(back) == repr(ens) and f"{len(ens.claim_draws)} claims drawn" in repr(back)


def test_a_band_of_no_drawdown_is_zero_not_minus_zero() -> None:
    """Runs without a drawdown hold -0.0 (a sum of signed zeros): its quantiles printed as
    "-0." in tables and "-0.0" in the quantiles CSV."""
    from tariffsim.analysis.bands import Bands

    dates = np.array(["2025-01-06", "2025-01-13"], dtype="datetime64[D]")
    b = Bands("US drawdown", np.array([0.05, 0.5]), dates, np.array([[-0.0, 1.0], [-0.0, 2.0]]))
    assert not np.signbit(b.values).any()
    assert b.values.tolist() == [[0.0, 1.0], [0.0, 2.0]] and str(b.values[0, 0]) == "0.0"


def _fields(e: ts.Ensemble) -> dict[str, Any]:
    """An ensemble's constructor arguments (its own fields)."""
    return {f.name: getattr(e, f.name) for f in dataclasses.fields(e)}


_BAD_FIELDS: dict[str, tuple[Any, str]] = {
    # field: (value, what the error names); ``R`` runs of ``T`` rounds, two dyads
    "draws": ({"noise": np.zeros(R - 1)}, r"draws\['noise'\] must be 6 numbers"),
    "claim_draws": ({"x": np.zeros((R, 2))}, r"claim_draws\['x'\] must be 6 numbers"),
    "seed": ("x", "the seed must be an int >= 0; got 'x'"),
    "vary": ("bogus", "`vary` must be one of none, claims"),
    "name": (5, "`name` must be a str; got 5"),
    "dates": (["x"] * (T + 1), "the dates must be dates"),
    "dyads": (5, "`dyads` must be a sequence of dyads; got 5"),
    "codes": (("US",), "every dyad joins two of the countries"),
    "changes": ("a cap", "changes must be a list of texts; got 'a cap'"),
    "distributions": (5, "`distributions` must be a mapping"),
}


@pytest.mark.parametrize("name", sorted(_BAD_FIELDS))
def test_the_constructor_refuses_a_bad_field_by_name(ens: ts.Ensemble, name: str) -> None:
    value, says = _BAD_FIELDS[name]
    with pytest.raises(ParameterError, match=says):
        ts.Ensemble(**{**_fields(ens), name: value})


@pytest.mark.parametrize(
    ("name", "change", "says"),
    [
        ("tariff", lambda a: a[:, :, :1], "do not match the tariffs' 9 rounds and 1 dyads"),
        ("tariff", lambda a: a[:0], "it holds 0 runs"),
        ("tariff", lambda a: np.where(a > 0, np.nan, a), "tariff must be finite"),
        ("tariff", lambda a: a - 1.0, "tariffs must be >= 0"),
        ("recession", lambda a: a + 1.0, r"recession must lie in \[0, 1\]"),
        ("payoff", lambda a: a[:, :, :1], "payoff must be a float array of shape"),
        ("draws", lambda d: {"noise": np.full(R, np.inf)}, "draws must be finite"),
        ("draws", lambda d: {"a\nb": np.zeros(R)}, "the names of the draws must be labels"),
    ],
)
def test_the_constructor_refuses_bad_runs_and_draws(
    ens: ts.Ensemble, name: str, change: Any, says: str
) -> None:
    """What a file's reader refuses, the constructor refuses too (a file written from an
    ensemble reads back): before, these passed and failed later in numpy, pandas or xarray,
    or gave NaN bands."""
    with pytest.raises(ParameterError, match=says):
        ts.Ensemble(**{**_fields(ens), name: change(getattr(ens, name))})


def test_from_batch_checks_its_fields_and_what_it_makes_reads_back(tmp_path: Any) -> None:
    sc = ts.load_scenario("us-china-145")
    pb = ts.simulate_batch(sc.game, 4, seeds=range(4), record="compact")
    for kw in ({"seed": -1}, {"draws": {"noise": np.full(4, np.nan)}}, {"vary": "x"}):
        with pytest.raises(ParameterError, match="Ensemble: "):
            ts.Ensemble.from_batch(pb, **kw)
    e = ts.Ensemble.from_batch(pb, draws={"noise": np.arange(4)}, seed=3, vary="mapping")
    assert e.draws["noise"].dtype == np.float64  # (integers given: numbers, as floats)
    e.to_npz(tmp_path / "e.npz")
    back = ts.Ensemble.from_npz(tmp_path / "e.npz")
    assert back.seed == 3 and np.array_equal(back.draws["noise"], [0.0, 1.0, 2.0, 3.0])
    assert np.array_equal(back.tariff, pb.tariff)


def test_to_xarray_gives_a_dataset_the_user_may_change(ens: ts.Ensemble) -> None:
    """The Dataset's arrays are its own (before, the ensemble's read-only arrays: an edit as
    ``ds["tariff"] *= 100`` raised); ``copy=False`` shares them, read-only."""
    before = ens.tariff.copy()
    ds = ens.to_xarray()
    ds["tariff"] *= 100
    ds["recession"].loc[{"run": 0, "round": 0, "country": "US"}] = 0.5
    assert np.array_equal(ds["tariff"].values, before * 100)
    assert np.array_equal(ens.tariff, before)  # the ensemble is unchanged
    assert float(ens.recession[0, 0, ens.codes.index("US")]) != 0.5
    shared = ens.to_xarray(copy=False)
    with pytest.raises(ValueError, match="read-only"):
        shared["tariff"] *= 100
    with pytest.raises(ParameterError, match="`copy` must be"):
        ens.to_xarray(copy="yes")  # type: ignore[arg-type]


def test_an_indicator_is_named_as_in_quantiles_by_series_peak_and_first_round(
    ens: ts.Ensemble,
) -> None:
    """``("recession", "US")`` names an indicator everywhere a series is named (as the docs
    say): before, ``series``, ``peak`` and ``first_round`` (of the ensemble and of a run)
    refused it as no tariff."""
    us = ens.codes.index("US")
    odds = ens.recession[:, :, us]
    assert np.array_equal(ens.series("recession", "US"), odds)
    assert np.array_equal(ens.peak("recession", "US"), odds.max(axis=1))
    level = float(np.median(odds))
    hit = odds >= level
    want = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    assert np.array_equal(ens.first_round("recession", "US", at_least=level), want)
    run = ens.run(2)
    assert run.peak("recession", "US") == odds[2].max()
    assert run.first_round("recession", "US", at_least=level) == (want[2] if want[2] >= 0 else None)
    assert ens.prob(lambda p: p.peak("recession", "US") >= level) == float(
        (odds.max(axis=1) >= level).mean()
    )
    with pytest.raises(UnknownNameError, match="for the indicator 'recession' use indicator"):
        ens.high_series("recession", "US")  # (an indicator has no level within a round)


def test_first_round_says_a_level_written_in_percent(ens: ts.Ensemble) -> None:
    """As a Threshold does: a level no run can reach because it reads as percent warns
    (before, ``first_round("US", "CN", at_least=145)`` said -1 for every run, silently)."""
    with pytest.warns(ts.errors.PlausibilityWarning, match="did you mean 1.45"):
        assert (ens.first_round("US", "CN", at_least=145) == -1).all()
    with pytest.warns(ts.errors.PlausibilityWarning, match="recession levels are fractions"):
        assert ens.run(0).first_round("recession", "US", at_least=50) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a level in fractions says nothing
        ens.first_round("US", "CN", at_least=1.45)
        ens.run(0).first_round("recession", "US", at_least=0.5)


def test_the_constructor_copies_what_it_is_given_and_reads_dates_as_dates(
    ens: ts.Ensemble, tmp_path: Any
) -> None:
    """An array the user keeps (an xarray DataArray, a memmap) is copied, so that neither
    changes the other (the checks' float view of it must not be kept); dates may be
    ``datetime.date`` or pandas Timestamps."""
    import pandas as pd

    ds = ens.to_xarray()
    e = ts.Ensemble(**{**_fields(ens), "tariff": ds["tariff"]})
    ds["tariff"][:] = 9.0  # the user's Dataset stays writable, the ensemble unchanged
    assert np.array_equal(e.tariff, ens.tariff)
    mm = np.lib.format.open_memmap(tmp_path / "t.npy", mode="w+", shape=ens.tariff.shape)
    mm[:] = ens.tariff
    e = ts.Ensemble(**{**_fields(ens), "tariff": mm})
    mm[:] = 7.0
    assert np.array_equal(e.tariff, ens.tariff)
    days = [dt.date.fromisoformat(str(d)) for d in ens.dates]
    for dates in (days, [pd.Timestamp(d) for d in days]):
        assert np.array_equal(ts.Ensemble(**{**_fields(ens), "dates": dates}).dates, ens.dates)


def test_a_file_whose_vary_is_unknown_is_named(ens: ts.Ensemble, tmp_path: Any) -> None:
    ens.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(tmp_path / "bad.npz", **{**arrays, "vary": np.array("bogus")})
    with pytest.raises(ParameterError, match=r"bad\.npz'?: `vary` must be one of"):
        ts.Ensemble.from_npz(tmp_path / "bad.npz")


def test_a_path_names_an_indicator_as_an_ensemble_does(ens: ts.Ensemble) -> None:
    """``path.series("recession", "US")`` and ``path.peak(...)`` as a run of an ensemble
    reads them (before: "unknown country 'recession'")."""
    p = ts.load_scenario("us-china-145").simulate(seed=0)
    us = p.codes.index("US")
    assert np.array_equal(p.series("recession", "US"), p.recession[:, us])
    assert p.peak("approval", "US") == p.approval[:, us].max()
    assert p.peak("US", "CN") == 1.45  # (tariffs as before)
    with pytest.raises(UnknownNameError):
        p.series("recession", "XX")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("seed", -1, "the seed must be an int >= 0; got -1"),
        ("codes", ("US", "US"), "the country codes must be distinct"),
        ("dates", lambda d: d[::-1], "the dates must increase round by round"),
        ("dates", lambda d: d[:2], r"the tariff counts \(9, \d+, \d+\) do not match 2 dates"),
        ("vary", "bogus", "`vary` must be one of"),
        ("changes", "cap", "changes must be a list of texts"),
    ],
)
def test_a_summarys_constructor_refuses_a_bad_field(
    sc: ts.Scenario, name: str, value: Any, says: str
) -> None:
    """As an ensemble's (before, a summary took a seed of -1 or dates that go back, and
    wrote a file its reader refused)."""
    s = ts.ensemble(sc, runs=R, seed=11, rounds=T, keep="summary", progress=False)
    fields = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    v = value(s.dates) if callable(value) else value
    with pytest.raises(ParameterError, match=says):
        ts.EnsembleSummary(**{**fields, name: v})
    ds = s.to_xarray()  # and its Dataset is the caller's to change
    ds["tariff_count"] += 1
    assert (ds["tariff_count"].values == np.asarray(s.counts.tariff.counts) + 1).all()
