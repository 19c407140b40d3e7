"""The equilibrium command: a meaningful start, a word when nothing moves, cost and time limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.cli import main
from tariffsim.errors import CostWarning, LimitError, ParameterError, TimeLimitError


def test_start_after_events_moves_and_initial_says_nothing_moves(
    tmp_path: Path, capsys: Any
) -> None:
    assert main(["equilibrium", "us-china-145", "--rounds", "5", "--no-plot",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    # on 2 April, with China's answers to February and March in force (it showed 0%: the
    # announcements' levels alone, as if China had never answered)
    assert "start: the last announcement (US->CN 54%, CN->US 15%)" in out
    assert "nothing moves" not in out
    assert main(["equilibrium", "us-china-145", "--start", "initial", "--rounds", "5",
                 "--no-plot", "--out", str(tmp_path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "nothing moves: from the start (US->CN 0%, CN->US 0%)" in out


def test_equilibrium_start_applies_the_calendar() -> None:
    sc = ts.load_scenario("rare-earth-100")
    s = sc.equilibrium_start()
    w = sc.world
    assert s.tariff[w.index("US"), w.index("CN")] == pytest.approx(1.3)
    assert s.control[w.index("CN"), w.index("US")] == pytest.approx(0.5)


def test_one_dyad_policy_strip() -> None:
    sc = ts.load_scenario("rare-earth-100")
    r = eq.markov_perfect(sc.game.replace(initial=sc.equilibrium_start()), discount=0.95)
    ax = r.plot_policy(at=sc.equilibrium_start())
    lad = r.lgame.ladders[0]
    assert len(ax.patches) == len(lad.levels)
    assert "the only active dyad" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{100 * x:g}" for x in lad.levels]


def test_policy_subtitle_names_fixed_levels() -> None:
    sc = ts.load_scenario("four-country-2025")
    r = eq.markov_perfect(sc.game, discount=0.9)
    ax = r.plot_policy(dyads=[("US", "CN"), ("US", "CA")])
    assert "other dyads held at: US→MX 0%" in ax.get_title()


def test_cost_estimate_and_warning() -> None:
    g = ts.load_scenario("four-country-2025").game
    small = eq.estimate_cost(ts.load_scenario("us-china-145").game, "status-quo")
    big = eq.estimate_cost(g, "qre")
    assert (small.states, small.profiles, small.players) == (49, 9, 2)
    assert big.seconds_per_sweep > 60 > small.seconds_per_sweep
    with pytest.warns(CostWarning, match="1764 states"), pytest.raises(TimeLimitError):
        eq.markov_perfect(g, selection="qre", max_seconds=0.5)
    with pytest.raises(ParameterError, match="max_seconds"):
        eq.markov_perfect(g, max_seconds=0)


def _clock_past_the_budget_in_the_second_sweep(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the solver's sweeps; the clock jumps past any budget once the second has started
    (it finishes, no third starts)."""
    from tariffsim.equilibrium import markov

    sweeps = {"n": 0}
    real = markov._sweep

    def counting(*args: Any, **kw: Any) -> Any:
        sweeps["n"] += 1
        return real(*args, **kw)

    monkeypatch.setattr(markov, "_sweep", counting)
    monkeypatch.setattr(markov.time, "monotonic", lambda: 0.0 if sweeps["n"] < 2 else 1e9)
    return sweeps


def test_time_limit_returns_unconverged_after_a_full_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sweeps = _clock_past_the_budget_in_the_second_sweep(monkeypatch)
    g = ts.load_scenario("us-china-145").game
    with pytest.warns(ts.ConvergenceWarning, match="time limit"):
        r = eq.markov_perfect(g, discount=0.9, max_seconds=10.0, accelerate=False)
    assert not r.converged and r.iterations == 2 == sweeps["n"]  # the two that finished
    assert "stopped at the time limit (`max_seconds` = 10)" in r.message


def test_cli_max_seconds_and_warning(tmp_path: Path, capsys: Any) -> None:
    code = main(["equilibrium", "four-country-2025", "--selection", "qre", "--max-seconds", "1",
                 "--no-plot", "--out", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "expensive solve" in err and "1008 states" in err and "within --max-seconds = 1" in err
    assert "Traceback" not in err


def test_backward_induction_warns_of_its_cost_and_keeps_its_time_limit() -> None:
    """All ``horizon`` sweeps count in the estimate; no round solved in time is an error
    naming the rounds done, not a partial result."""
    g = ts.load_scenario("four-country-2025").game
    with (
        pytest.warns(CostWarning, match=r"1764 states.* per round, .* for 3 rounds"),
        pytest.raises(TimeLimitError, match=r"0 of 3 rounds solved within `max_seconds` = 0.5"),
    ):
        eq.backward_induction(g, 3, selection="qre", max_seconds=0.5)
    lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    for bad in (0, -1.0, float("nan"), float("inf"), 10**400, True, "3", 1j):
        with pytest.raises(ParameterError, match=r"`max_seconds` must be a finite number > 0"):
            eq.backward_induction(lg, 2, max_seconds=bad)
    with pytest.raises(LimitError, match=r"backward induction over 1000000000 rounds"):
        eq.backward_induction(lg, 10**9)  # refused before the arrays are made


def test_backward_induction_stops_between_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    from tariffsim.equilibrium import markov

    sweeps = _clock_past_the_budget_in_the_second_sweep(monkeypatch)
    lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    with pytest.raises(TimeLimitError, match=r"2 of 3 rounds solved within `max_seconds` = 10"):
        eq.backward_induction(lg, 3, 0.9, max_seconds=10.0)
    assert sweeps["n"] == 2
    monkeypatch.setattr(markov.time, "monotonic", lambda: 0.0)
    timed = eq.backward_induction(lg, 3, 0.9, max_seconds=10.0)
    plain = eq.backward_induction(lg, 3, 0.9)
    assert np.array_equal(timed.values, plain.values)  # a budget never changes the answer


@pytest.mark.parametrize(
    "solve", [eq.markov_perfect, lambda g, **kw: eq.backward_induction(g, 2, **kw)]
)
def test_building_the_ladder_game_stops_at_the_time_limit(
    monkeypatch: pytest.MonkeyPatch, solve: Any
) -> None:
    """The build of a large ladder game (four countries, jumps: 1764 x 1764 transitions in
    381 blocks) counts against the budget and stops between blocks once it has run out."""
    from tariffsim.equilibrium import ladder_game, markov

    blocks = {"n": 0}
    real = ladder_game.LadderGame._payoff

    def counting(self: Any, *args: Any) -> Any:
        blocks["n"] += 1
        return real(self, *args)

    monkeypatch.setattr(ladder_game.LadderGame, "_payoff", counting)
    monkeypatch.setattr(markov.time, "monotonic", lambda: 0.0 if blocks["n"] < 3 else 1e9)
    g = ts.load_scenario("four-country-2025").game.replace(moves="jump")
    with pytest.raises(TimeLimitError, match=r"building the ladder game took longer than `max"):
        solve(g, max_seconds=10.0)
    assert blocks["n"] == 3  # stopped after the third block of 381


def test_cli_bounds_the_build_of_the_ladder_game(tmp_path: Path, capsys: Any) -> None:
    code = main(["equilibrium", "four-country-2025", "--moves", "jump", "--max-seconds", "0.2",
                 "--no-plot", "--out", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "building the ladder game took longer than --max-seconds = 0.2" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_cli_prints_a_solve_stopped_at_the_time_limit_whole(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The solver's message says why it stopped at its end: printed whole, naming the
    option the user typed."""
    _clock_past_the_budget_in_the_second_sweep(monkeypatch)
    code = main(["equilibrium", "us-china-145", "--max-seconds", "10",
                 "--no-plot", "--out", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # not converged
    line = next(x for x in out.splitlines() if x.startswith("not converged after 2 sweeps"))
    assert line.endswith("; stopped at the time limit (--max-seconds = 10)")


def _help_examples(command: str, capsys: Any) -> list[list[str]]:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out.split("example:", 1)[1]
    return [line.split()[1:] for line in text.splitlines() if line.strip().startswith("tariffsim")]


def test_every_example_of_the_help_runs(tmp_path: Path, capsys: Any) -> None:
    """The first example's --start CN-US=1.25 is no rung of China's ladder: it failed."""
    examples = _help_examples("equilibrium", capsys)
    assert len(examples) == 3
    for i, args in enumerate(examples):
        out = tmp_path / str(i)
        assert main([*args, "--rounds", "3", "--no-plot", "--out", str(out)]) == 0, args
        assert capsys.readouterr().err == ""
        assert (out / "us-china-145-equilibrium.json").is_file()


def test_a_start_off_the_ladder_is_shown_as_given(tmp_path: Path, capsys: Any) -> None:
    """It was shown rounded (``US-CN=1.45``), as if a rung of the ladder were refused."""
    args = ["equilibrium", "us-china-145", "--start", "US-CN=1.450000001", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "--start: US-CN=1.450000001 is not on the ladder" in capsys.readouterr().err
    assert main([*args[:2], "--start", "US-CN=145", "--out", str(tmp_path)]) == 2  # a percent
    assert "(levels are fractions: 1.45 is 145%)" in capsys.readouterr().err


def _long_rounds(tmp_path: Path) -> Path:
    """us-china-145 with rounds of 366 days: 8,000 of them run past 9999-12-31."""
    text = (Path(ts.__file__).parent / "scenarios" / "us-china-145.toml").read_text()
    assert "round_days = 7" in text
    path = tmp_path / "long.toml"
    path.write_text(text.replace("round_days = 7", "round_days = 366"))
    return path


def test_a_path_past_the_calendar_fails_before_the_solve(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It solved for seconds, then died with a bare OverflowError from datetime."""
    solved: list[int] = []
    monkeypatch.setattr("tariffsim.equilibrium.markov_perfect", lambda *a, **k: solved.append(1))
    args = ["equilibrium", str(_long_rounds(tmp_path)), "--rounds", "8000", "--limit",
            "max_rounds=10000", "--no-plot", "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--rounds: 8000 rounds of 366 days" in err and "run past 9999-12-31" in err
    assert solved == [] and not (tmp_path / "out").exists()


def test_equilibrium_paths_past_the_calendar_are_parameter_errors(tmp_path: Path) -> None:
    game = ts.load_scenario(_long_rounds(tmp_path)).game
    with ts.limits.override(max_rounds=10_000):
        lg = eq.LadderGame.from_game(game)
        res = eq.markov_perfect(lg, discount=0.9)
        with pytest.raises(ParameterError, match=r"`rounds`: 8000 rounds of 366 days"):
            res.path(rounds=8000)
        assert len(res.path(rounds=5)) == 6  # within the calendar: as before
        with pytest.raises(ParameterError, match=r"`rounds`: 8000 rounds .* after round 2"):
            eq.agreement_path(res, game.initial or lg.base, rounds=8000, start_round=2)
        with pytest.raises(ParameterError, match=r"`rounds`: 8000 rounds of 366 days"):
            eq.learning_path(game, "best-response", rounds=8000)
        with pytest.raises(ParameterError, match=r"`horizon`: 8000 rounds of 366 days"):
            eq.SPEResult.path(_spe_with_horizon(eq, lg, 8000))


def _spe_with_horizon(eq: Any, lg: Any, horizon: int) -> Any:
    """A solved two-round backward induction, its horizon said to be ``horizon``."""
    import dataclasses

    return dataclasses.replace(eq.backward_induction(lg, 2, 0.9), horizon=horizon)


def test_an_agreement_is_printed_whole(tmp_path: Path, capsys: Any) -> None:
    # the line was cut at 100 characters, just before what each side conceded
    assert main(["equilibrium", "canada-mexico-fentanyl", "--rounds", "4", "--no-plot",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    said = " ".join(line.strip() for line in out.splitlines())
    assert "concessions …" not in out and "…" not in said
    for conceded in ("border_mexico", "border_canada"):  # (with the concession's label)
        label = ts.bargaining.CONCESSIONS[conceded].label
        assert f"concessions {conceded} ({label}); surplus split" in said
    assert max(map(len, out.splitlines())) <= 120


def test_the_start_is_the_scenario_as_it_stood_at_its_last_announcement() -> None:
    """four-country-2025 started from the April announcement's 54% with October's export
    controls, dated in October: a state that never was. Its start is now its own path on
    the eve of the October controls, with them applied."""
    sc = ts.load_scenario("four-country-2025")
    g, w = sc.game, sc.world
    s = sc.equilibrium_start()
    last = max(g.round_of(e.when) for e in g.events if e.kind in ("set", "control"))
    p = sc.simulate(rounds=last, seed=0)
    us, cn = w.index("US"), w.index("CN")
    np.testing.assert_array_equal(s.tariff, p.tariff[last - 1])  # no announcement that round
    assert s.control[cn, us] == 0.5 and p.control[last - 1, cn, us] == 0.0
    assert s.tariff[us, cn] == pytest.approx(0.3) and s.tariff[cn, us] == pytest.approx(0.1)


def test_a_start_whose_layers_fell_between_rungs_is_put_on_the_nearest_rung(
    tmp_path: Path, capsys: Any
) -> None:
    """The US cut its fentanyl layer to 10%, then a 34% reciprocal layer was announced: 44%
    in force, between the rungs 30% and 54%. The command stopped with 'not on the ladder'."""
    text = """format = 1
name = "layers-apart"
noise = 0.3
[calendar]
start = 2025-02-03
round_days = 7
rounds = 8
[[agents]]
country = "US"
strategy = "myopic"
targets = ["CN"]
[[agents]]
country = "CN"
strategy = "myopic"
targets = ["US"]
[[events]]
round = 2
kind = "set"
dyad = "US-CN"
level = 0.20
[[events]]
round = 4
kind = "set"
dyad = "US-CN"
layer = "reciprocal"
level = 0.34
"""
    f = tmp_path / "layers.toml"
    f.write_text(text, encoding="utf-8")
    sc = ts.load_scenario(f)
    w = sc.world
    played = sc.game.replace(noise=0.0).simulate(3, seed=0)
    fentanyl = played.layers[-1, w.layer_index("fentanyl"), w.index("US"), w.index("CN")]
    assert fentanyl == pytest.approx(0.1)  # the US cut it: 10% + 34% is off the ladder
    s = sc.equilibrium_start()  # (noise 0.3 in the file: the start is played without it)
    lad = w.ladders[("US", "CN")]
    assert s.tariff[w.index("US"), w.index("CN")] == pytest.approx(0.54)
    assert lad.contains(float(s.tariff[w.index("US"), w.index("CN")]))
    assert main(["equilibrium", str(f), "--no-plot", "--out", str(tmp_path / "o")]) == 0
    assert "start: the last announcement (US->CN 54%" in capsys.readouterr().out


def test_a_belief_only_what_if_of_an_equilibrium_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An equilibrium is solved on the true payoffs: ``--set belief:...`` changed nothing
    and named the outputs a what-if; it is refused before any work, as --strategy is."""
    out = tmp_path / "o"
    assert main(["equilibrium", "us-china-145", "--set", "belief:pass_through.US.CN=0.9",
                 "--out", str(out)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "--set belief:pass_through.US.CN: an equilibrium is solved on the true payoffs" in err
    assert not out.exists()
