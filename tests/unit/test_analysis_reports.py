"""What an analyst's session in a notebook found in the analysis API: each case failed (or
was silently wrong) before."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis.bands import qlabels
from tariffsim.analysis.distributions import Normal, Uniform
from tariffsim.analysis.sensitivity import OUTPUTS
from tariffsim.errors import ParameterError

SC = ts.load_scenario("us-china-145")
OBS = ts.observed.load("us-china-2025")
FAST = {"until": "2025-05-31", "popsize": 2, "maxiter": 1, "profile_points": 3,
        "profile_samples": 0, "progress": False}  # fmt: skip


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@pytest.mark.parametrize(
    ("path", "bounds", "entries"),
    [
        ("resolve_weight", (0.2, 2.0), lambda g: g.model.params.resolve_weight),
        ("learning_rate", (0.02, 0.4), lambda g: [a.beliefs.learning_rate for a in g.agents]),
    ],
)
def test_calibrate_starts_a_path_whose_entries_differ_from_their_mean(path, bounds, entries):
    """docs/analysis.md: such a path's search starts from the mean of its values. It raised
    'entries differ; name one entry' instead (ensembles and sensitivity take the path)."""
    fit = ts.calibrate(SC, OBS, {path: bounds}, **FAST)
    vals = np.asarray(entries(SC.game), dtype=float)
    assert len(set(vals.tolist())) > 1  # (the case: the entries differ)
    assert fit.defaults[path] == pytest.approx(float(vals.mean()), rel=1e-15)
    assert path in fit.report()
    with pytest.raises(ParameterError, match="entries differ"):
        parampath.default(SC.game, path)  # (a single default is still refused)


def test_a_dataset_of_some_runs_or_rounds_is_not_read_back_renumbered():
    """from_xarray took the k-th run of a reversed or cut dataset for run k (whose seed is
    spawn(R)[k]), and a dataset cut to rounds 3.. for rounds 0.."""
    ens = ts.ensemble(SC, runs=6, seed=9, vary="claims", rounds=4, progress=False)
    ds = ens.to_xarray()
    for cut, dim in ((dict(run=slice(None, None, -1)), "run"), (dict(run=[1, 3]), "run"),
                     (dict(round=slice(2, None)), "round")):  # fmt: skip
        with pytest.raises(ParameterError, match=f"its '{dim}' coordinate is not 0, 1, "):
            ts.Ensemble.from_xarray(ds.isel(**cut))
    back = ts.Ensemble.from_xarray(ds)
    assert np.array_equal(back.tariff, ens.tariff)
    summ = ts.ensemble(SC, runs=6, seed=9, vary="claims", rounds=4, progress=False,
                       keep="summary")  # fmt: skip
    with pytest.raises(ParameterError, match="its 'round' coordinate"):
        type(summ).from_xarray(summ.to_xarray().isel(round=slice(1, None)))


def test_an_ensemble_from_a_batch_takes_the_batch_s_name():
    """Ensemble.from_batch(batch) raised TypeError: missing argument 'name'."""
    pb = ts.simulate_batch(SC.game, 3, seeds=[0, 1], record="compact")
    ens = ts.Ensemble.from_batch(pb)
    assert ens.name == "us-china-145" and ens.runs == 2
    assert np.array_equal(ens.tariff, pb.tariff)
    assert ts.Ensemble.from_batch(pb, name="mine").name == "mine"
    with pytest.raises(ParameterError, match="`batch` must be a PathBatch"):
        ts.Ensemble.from_batch(3)


def test_levels_a_last_bit_apart_get_columns_of_their_own():
    """Two levels 0.1 and the next float both labelled q10: one band lost from to_frame."""
    q = [0.1, float(np.nextafter(0.1, 1))]
    labels = qlabels(q)
    assert len(set(labels)) == 2 and labels[0] == "q10"
    ens = ts.ensemble(SC, runs=5, seed=1, vary="claims", rounds=3, progress=False)
    frame = ens.quantiles("US", "CN", q=q).to_frame()
    assert frame.shape[1] == 3  # round and one column per level


def test_first_cut_week_is_in_weeks_whatever_the_round_length():
    """It was the round index: days in the daily-round scenarios."""
    for name in ("reciprocal-pause", "us-china-145"):
        g = ts.load_scenario(name).game
        pb = ts.simulate_batch(g, None, seeds=[0], record="compact")
        t = pb.tariff_series(*pb.dyads[0] if ("US", "CN") not in pb.dyads else ("US", "CN"))[0]
        cuts = np.flatnonzero(np.diff(t) < -1e-12)
        rounds = cuts[0] + 1 if len(cuts) else len(t)
        assert OUTPUTS["first_cut_week"](pb)[0] == pytest.approx(rounds * g.round_days / 7)


def test_distribution_methods_check_their_arguments():
    u = Uniform(0.0, 1.0)
    with pytest.raises(ParameterError, match="`size` must be an int >= 0"):
        u.sample(np.random.default_rng(0), -1)
    with pytest.raises(ts.errors.LimitError, match="max_result_bytes"):
        u.sample(np.random.default_rng(0), 10**30)  # (a bare ValueError from numpy)
    with pytest.raises(ParameterError, match="`rng` must be a numpy Generator"):
        u.sample(0, 3)
    for bad in ([2.0], [np.nan], [-0.5]):
        with pytest.raises(ParameterError, match="`u` must be levels in \\[0, 1\\]"):
            u.ppf(bad)
    assert u.ppf([0.0, 0.5, 1.0]).tolist() == [0.0, 0.5, 1.0]
    assert Normal(0.0, 1.0).ppf([0.0, 1.0]).tolist() == [-np.inf, np.inf]


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_calibrate_reads_dyads_as_ensembles_label_them():
    """'US->CN' (the ensembles' label) was 'the record has no dyad US->CN'."""
    fits = [
        ts.calibrate(SC, OBS, {"learning_rate.US": (0.02, 0.4)}, dyads=[d], **FAST)
        for d in ("US->CN", "US-CN", ("US", "CN"))
    ]
    assert all(f.dyads == (("US", "CN"),) for f in fits)
    assert fits[0].loss == fits[1].loss == fits[2].loss
    with pytest.raises(ParameterError, match="`dyads`: a dyad is"):
        ts.calibrate(SC, OBS, {"learning_rate.US": (0.02, 0.4)}, dyads=["US>CN"], **FAST)


def test_a_run_seeded_by_a_seed_sequence_is_written_and_shown():
    """Scenario.simulate refused a SeedSequence (ts.simulate takes it), and the path of
    ts.simulate(seed=SeedSequence) raised a bare TypeError in to_json."""
    seq = np.random.SeedSequence(0).spawn(3)[2]
    p = SC.simulate(rounds=3, seed=seq)
    q = ts.simulate(SC.game, 3, seed=np.random.SeedSequence(0).spawn(3)[2])
    assert np.array_equal(p.tariff, q.tariff)
    text = "SeedSequence(entropy=0, spawn_key=(2,))"
    assert p.meta["seed"] == q.meta["seed"] == text
    assert json.loads(q.to_json())["meta"]["seed"] == text
    assert ts.simulate_batch(SC.game, 3, seeds=[seq])[0].meta["seed"] == text
    assert ts.Path.from_json(q.to_json()).meta["seed"] == text


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_mean_default_is_the_default_itself_where_the_entries_agree(name):
    """A fit starts from mean_default: where the entries agree it must be their value to the
    bit (a sum divided back, 0.1 * 3 / 3, is 0.10000000000000002), so that calibrations of
    such paths start where they did."""
    g = ts.load_scenario(name).game
    whole = [p for p in parampath.paths(g) if "." not in p]
    agreed = 0
    for p in [*whole, *(f"belief:{p}" for p in whole), "learning_rate"]:
        try:
            value = parampath.default(g, p)
        except ParameterError:
            continue
        agreed += 1
        assert parampath.mean_default(g, p) == value, p
    assert agreed > 10
    if len(g.agents) == 3:  # three learning rates of 0.1: their sum over 3 is not 0.1
        alike = ts.load_scenario(name).with_params(learning_rate=0.1).game
        assert parampath.mean_default(alike, "learning_rate") == 0.1
