"""Notebook views and optional pandas export."""

from __future__ import annotations

import importlib.util

import pytest

import tariffsim as ts


@pytest.fixture(scope="module")
def path() -> ts.Path:
    return ts.load_scenario("us-china-145").simulate(seed=0)


def test_path_html_shows_turning_points_and_a_plot(path):
    h = path._repr_html_()
    assert "<table>" in h and "data:image/png;base64," in h
    # the peak round and the first cut must be among the rows shown
    us = path.series("US", "CN")
    peak_round = int(us.argmax())
    assert f"<td>{peak_round}</td>" in h
    assert h.count("<tr>") < len(path) + 1  # a compact view, not every round


def test_claims_html_lists_every_claim():
    h = ts.claims._repr_html_()
    assert h.count("<tr>") == len(ts.claims) + 1
    assert "us_recession_odds_60" in h


def test_to_frame_needs_pandas_or_returns_a_frame(path):
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            path.to_frame()
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            ts.claims.to_frame()
    else:
        df = path.to_frame()
        assert len(df) == len(path)
        assert float(df["US->CN %"].max()) == 145.0
        assert len(ts.claims.to_frame()) == len(ts.claims)


# -- scenarios -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def test_scenario_repr_is_one_readable_line(scenario):
    r = repr(scenario)
    assert "\n" not in r and len(r) <= 120
    assert r.startswith("<Scenario us-china-145: US, CN;")
    assert "2 agents" in r and "7 events" in r and "30 rounds" in r


def test_scenario_html_shows_countries_agents_params_with_claims_and_events(scenario):
    h = scenario._repr_html_()
    for caption in ("countries", "agents", "beliefs that differ from the truth", "events"):
        assert f"<caption>{caption}</caption>" in h
    # every parameter with every claim id behind it
    for name, ids in ts.payoffs.PARAM_SOURCES.items():
        assert f"<td>{name}</td>" in h
        assert ", ".join(ids) in h
    # the US belief about pass-through, and the scenario's override of resolve_weight
    assert "<td>pass_through.US-CN</td><td>0.10</td><td>1.00</td>" in h
    assert "<td>resolve_weight</td><td>US 0.5, CN 1.5</td><td>scenario</td>" in h
    assert "US 10% on China (fentanyl emergency)" in h
    assert h.count("<caption>events</caption>") == 1


def test_scenario_html_escapes_text(scenario):
    odd = scenario.replace(title="<script>alert(1)</script>")
    assert "<script>" not in odd._repr_html_()


def test_scenario_parameters_mark_overrides_and_cite_claims():
    for name in ts.list_scenarios():
        sc = ts.load_scenario(name)
        rows = {r["parameter"]: r for r in sc.parameters()}
        assert set(rows) == set(ts.payoffs.PARAM_SOURCES)
        overridden = {k.partition(".")[0] for k in sc.data.get("params", {})}
        assert {k for k, r in rows.items() if r["set_by"] == "scenario"} <= overridden, name
        for r in rows.values():
            assert r["claims"] and all(c in ts.claims for c in r["claims"])


def test_scenario_beliefs_match_the_file():
    sc = ts.load_scenario("rare-earth-100")
    (b,) = sc.beliefs()
    assert (b["country"], b["parameter"], b["true"]) == ("US", "pass_through.US-CN", 1.0)
    assert b["believed"] == sc.data["agents"][0]["beliefs"]["pass_through.US-CN"]
    assert ts.load_scenario("secondary-oil-tariffs").beliefs() == []


def test_scenario_describe_fits_100_columns():
    for name in ts.list_scenarios():
        text = ts.load_scenario(name).describe()
        assert max(len(line) for line in text.splitlines()) <= 100, name
        assert "parameters" in text and "events:" in text


# -- equilibrium results ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def mpe(scenario) -> ts.equilibrium.MPEResult:
    return ts.equilibrium.markov_perfect(scenario.game, discount=0.95)


def test_mpe_repr_and_html(mpe):
    r = repr(mpe)
    assert "\n" not in r and "lgame" not in r and len(r) < 200
    sweeps = mpe.iterations
    assert f"converged after {sweeps} sweeps" in r and "selection status-quo" in r
    # 7 x 7 ladder rungs, minus none: every US-CN x CN-US pair is a state
    assert "49 states" in r
    h = mpe._repr_html_()
    for key, value in [("converged", "True"), ("iterations", str(sweeps)),
                       ("selection", "status-quo"), ("states", "49"),
                       ("residual", "0")]:  # fmt: skip
        assert f"<td>{key}</td><td>{value}</td>" in h


def test_mpe_repr_says_when_not_converged(scenario):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.ConvergenceWarning)
        r = ts.equilibrium.markov_perfect(scenario.game, discount=0.95, max_iter=1)
    assert not r.converged
    assert "NOT converged" in repr(r)
    assert "<td>converged</td><td>False</td>" in r._repr_html_()


def test_spe_repr_and_html(scenario):
    from tariffsim.equilibrium import dynamic

    r = dynamic.backward_induction(dynamic.LadderGame.from_game(scenario.game), 3, 0.9)
    assert "horizon 3" in repr(r) and "49 states" in repr(r) and "\n" not in repr(r)
    assert "<td>horizon</td><td>3</td>" in r._repr_html_()
    assert len(r.rows(2)) == 49
    with pytest.raises(ts.ParameterError, match="at_round"):
        r.rows(3)


def test_mpe_rows_follow_the_policy(mpe):
    rows = mpe.rows()
    assert len(rows) == mpe.lgame.n_states
    for s in (0, 17, 47):
        assert {d: rows[s][f"{d[0]}->{d[1]} move"] for d in mpe.lgame.dyads} == mpe.move_at(s)


def test_mixed_result_repr_and_html():
    from tariffsim import equilibrium as eq

    bos = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    r = eq.support_enumeration(bos)
    text = repr(r)
    assert text.startswith("<MixedResult: 3 equilibria") and text.endswith(">")
    assert "row (0.667, 0.333)  column (0.333, 0.667)" in text
    h = r._repr_html_()
    assert h.count("<tr>") == 4 and "(0.667, 0.333)" in h
    one = eq.support_enumeration(eq.NormalFormGame.from_bimatrix([[1, 0]], [[1, 0]]))
    assert repr(one).startswith("<MixedResult: 1 equilibrium,")


# -- tournaments -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tournament() -> ts.TournamentResult:
    return ts.tournament.round_robin(
        ["hold", "tit-for-tat", "always-escalate"], rounds=8, repetitions=1
    )


def test_tournament_html_is_the_ranking_table(tournament):
    h = tournament._repr_html_()
    assert h.count("<tr>") == 1 + len(tournament.names)
    first = tournament.summary()[0]
    assert f"<td>1</td><td>{first['strategy']}</td>" in h
    assert "payoff (% GDP)" in h


def test_tournament_match_rows(tournament):
    rows = tournament.match_rows()
    assert len(rows) == tournament.lineups.size
    assert {r["seat"] for r in rows} == set(tournament.seats)


def _without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError


def test_to_frame_without_pandas_names_the_extra(monkeypatch, path, tournament, mpe):
    _without_pandas(monkeypatch)
    for call in (path.to_frame, ts.claims.to_frame, tournament.to_frame, mpe.to_frame):
        with pytest.raises(ImportError, match=r"pip install 'tariffsim\[pandas\]'"):
            call()


def test_tournament_and_mpe_frames(tournament, mpe):
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            tournament.to_frame()
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            mpe.to_frame()
        return
    df = tournament.to_frame()
    assert list(df.index) == list(tournament.ranking)
    assert df["mean_payoff"].tolist() == [r["mean_payoff"] for r in tournament.summary()]
    m = tournament.to_frame(by="match")
    assert len(m) == tournament.lineups.size
    p = mpe.to_frame()
    assert len(p) == mpe.lgame.n_states and "US->CN move" in p.columns


def test_tournament_to_frame_rejects_unknown_by(tournament):
    with pytest.raises(ts.ParameterError, match="`by`"):
        tournament.to_frame(by="nope")


def test_correlated_qre_and_evolution_views() -> None:
    import numpy as np

    from tariffsim import equilibrium as eq

    chicken = eq.NormalFormGame.from_bimatrix([[0, 7], [2, 6]], [[0, 2], [7, 6]])
    ce = eq.correlated_equilibrium(chicken)._repr_html_()
    # the utilitarian CE of this chicken game mixes (0,1), (1,0), (1,1) 1/4, 1/4, 1/2
    assert "welfare 10.5" in ce
    assert ce.count("<tr>") == 4 and "<td>(0, 0)</td>" not in ce
    qre = eq.logit_qre(chicken, lam_max=5)._repr_html_()
    assert "λ from 0 to 5" in qre and qre.count("<tr>") == 3
    evo = ts.replicator_dynamics(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([0.5, 0.5]), 10)
    html = evo._repr_html_()
    assert "10 steps" in html and html.count("<tr>") == 3


def test_a_path_breakdown_reads_as_a_table() -> None:
    """It printed as a dict of arrays (31 numbers a term): now one line a term, its mean over
    the rounds and its last value, and an HTML table in a notebook; still a dict."""
    p = ts.load_scenario("us-china-145").simulate(seed=0)
    bd = p.breakdown("US")
    text = repr(bd)
    assert text.splitlines()[0].startswith("<PathBreakdown US: 12 terms x 31 rounds")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("tariff_pain"))
    mean, last = (float(x) for x in line.split()[1::2])
    assert mean == round(float(bd["tariff_pain"][1:].mean()), 3)
    assert last == round(float(bd["tariff_pain"][-1]), 3)
    assert "array(" not in text and len(text.splitlines()) == 13
    html = bd._repr_html_()
    assert html.startswith("<table><caption>payoff terms") and html.count("<tr>") == 13
    assert isinstance(bd, dict) and set(bd) == set(ts.TERMS)


def test_long_results_show_a_summary_not_their_arrays(scenario) -> None:
    """A model's parameters printed 4,390 characters of 10x10 arrays; a logit fit every point
    of its branch; population dynamics every step's shares."""
    from tariffsim import equilibrium as eq

    params = scenario.model.params
    text = repr(params)
    assert len(text) < 1_000 and "array" not in text
    assert "dependence=1..1.5" in text and "elasticity=2.5" in text
    assert text.startswith("<Params for 10 countries (calibrated): ")

    pd_ = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    fit = eq.fit_logit_qre(pd_, [[20, 80], [20, 80]])
    text = repr(fit)
    assert len(text) < 300 and "array" not in text
    assert text.startswith(f"<QREFit: lambda {fit.lam:.6g}, ") and "converged" in text
    branch = eq.logit_branch(pd_, lam_max=20)
    assert repr(branch) == (
        f"<LogitBranch: {len(branch)} points, lambda up to 20, 0 turning point(s), converged; "
        "at the end player 1 (0, 1), player 2 (0, 1)>"
    )
    import re

    res = ts.tournament.replicator_dynamics([[1, 0], [2, 0.5]], steps=50)  # (0.05, 0.95)
    assert re.fullmatch(
        r"<EvolutionResult \(replicator\): 2 strategies, 50 steps; final shares "
        rf"{res.names[1]} 9[45]\.\d%, {res.names[0]} [45]\.\d\d%>",
        repr(res),
    ), repr(res)


def test_solver_results_show_their_answer_not_their_arrays() -> None:
    import numpy as np

    from tariffsim import equilibrium as eq

    pd_game = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    bos = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    three = eq.NormalFormGame(np.random.default_rng(0).normal(size=(3, 2, 2, 2)))
    shown = {
        "mixed": repr(eq.mixed_nash(bos)),
        "lemke": repr(eq.lemke_howson_all(bos)),
        "fictitious": repr(eq.fictitious_play(pd_game, rounds=1000, rng=0)),
        "dynamics": repr(eq.best_response_dynamics(pd_game, start=(0, 0), rng=0)),
        "correlated": repr(eq.correlated_equilibrium(pd_game)),
        "qre": repr(eq.logit_qre(pd_game, np.linspace(0.1, 10, 50))),
        "three": repr(eq.mixed_nash(three)),
        "dyad": repr(eq.dyad_facts(ts.load_scenario("us-china-145").game)),
    }
    for name, text in shown.items():
        assert len(text) < 400 and "array(" not in text and "Fraction(" not in text, name
    assert "#3  row (0.667, 0.333)  column (0.333, 0.667)" in shown["mixed"]
    assert "2 distinct equilibria from 4 starting labels" in shown["lemke"]
    assert "1000 rounds, converged" in shown["fictitious"]
    assert "settled at pure equilibrium (1, 1)" in shown["dynamics"]
    assert "welfare 2" in shown["correlated"]
    assert "50 of 50 converged" in shown["qre"]
    assert "player 3" in shown["three"]
    assert "US-CN at 10% / 145%" in shown["dyad"]
