"""Progress bars: on when asked or interactive, off by flag, by environment and under pytest."""

from __future__ import annotations

import pytest

from tariffsim.errors import ParameterError
from tariffsim.progress import ENV, progress_bar, progress_enabled


def test_env_zero_turns_every_bar_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "0")
    assert progress_enabled(True) is False
    assert progress_enabled(None) is False


def test_forced_on_draws_a_tqdm_bar(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with progress_bar(4, desc="t", unit="run", enabled=True) as bar:
        assert bar.drawing
        bar.update(4)
    assert bar.n == 4
    capsys.readouterr()  # the bar's text, if any, stays out of the report


def test_default_is_off_under_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert progress_enabled(None) is False  # PYTEST_CURRENT_TEST is set
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert progress_enabled(None) is True


def test_false_is_off_and_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with progress_bar(2, enabled=False) as bar:
        bar.update(2)
    assert not bar.drawing and bar.n == 2


def test_bad_flag() -> None:
    with pytest.raises(ParameterError, match="`progress`"):
        progress_enabled("on")  # type: ignore[arg-type]


def test_markov_perfect_takes_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffsim as ts
    from tariffsim import equilibrium as eq

    g = ts.load_scenario("us-china-145").game
    monkeypatch.delenv(ENV, raising=False)
    counted: list[int] = []
    real = progress_bar

    def spy(total, **kw):  # type: ignore[no-untyped-def]
        bar = real(total, **kw)
        counted.append(id(bar))
        orig = bar.update
        bar.update = lambda k=1: (counted.append(k), orig(k))  # type: ignore[method-assign]
        return bar

    monkeypatch.setattr("tariffsim.equilibrium.markov.progress_bar", spy)
    r = eq.markov_perfect(g, discount=0.9, progress=True)
    assert sum(counted[1:]) == r.iterations  # one tick per sweep
    with pytest.raises(ParameterError, match="`progress`"):
        eq.markov_perfect(g, progress="yes")  # type: ignore[arg-type]


def _spy_bar(monkeypatch: pytest.MonkeyPatch, where: str) -> list[float]:
    """Record every ``update(k)`` of the bars made through ``where``'s ``progress_bar``."""
    seen: list[float] = []
    real = progress_bar

    def spy(total, **kw):  # type: ignore[no-untyped-def]
        bar = real(total, **kw)
        orig = bar.update
        bar.update = lambda k=1: (seen.append(k), orig(k))  # type: ignore[method-assign]
        return bar

    monkeypatch.setattr(where, spy)
    return seen


@pytest.mark.parametrize("keep", ["runs", "summary"])
@pytest.mark.parametrize("threads", ["1", "2"])
def test_an_ensemble_bar_moves_within_a_chunk(
    monkeypatch: pytest.MonkeyPatch, keep: str, threads: str
) -> None:
    import numpy as np

    import tariffsim as ts

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("TARIFFSIM_THREADS", threads)
    seen = _spy_bar(monkeypatch, "tariffsim.analysis.runner.progress_bar")
    kw = {"runs": 10, "seed": 1, "vary": "claims", "rounds": 6, "keep": keep}
    ens = ts.ensemble("us-china-145", progress=True, chunk_size=10, **kw)
    assert sum(seen) == 10  # every run counted once
    assert len(seen) >= 6  # round by round, not once for the one chunk
    quiet = ts.ensemble("us-china-145", progress=False, chunk_size=10, **kw)
    np.testing.assert_array_equal(
        quiet.quantiles("US", "CN").values, ens.quantiles("US", "CN").values
    )


def test_simulate_runs_counts_runs_as_rounds_end(monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffsim as ts
    from tariffsim.analysis import simulate_runs

    monkeypatch.delenv(ENV, raising=False)
    seen = _spy_bar(monkeypatch, "tariffsim.analysis.runner.progress_bar")
    g = ts.load_scenario("four-country-2025").game
    simulate_runs(g, 7, seed=0, rounds=5, chunk_size=3, progress=True,
                  overrides={"elasticity": [1.5, 2, 2.5, 3, 3.5, 2.2, 1.8]})  # fmt: skip
    assert sum(seen) == 7 and len(seen) > 3  # three chunks, each counted as its rounds end


def test_counting_is_off_inside_a_counted_batch() -> None:
    from tariffsim.progress import counting_runs, runs_counter

    done: list[int] = []
    with counting_runs(done.append):
        assert runs_counter() is not None
        with counting_runs(None):
            assert runs_counter() is None
        assert runs_counter() is not None
    assert runs_counter() is None


def test_a_kernel_shell_and_one_derived_from_it_are_notebooks(monkeypatch) -> None:
    """Jupyter's shell class, or a subclass of it (Colab's), means a notebook."""
    import sys
    import types

    from tariffsim import progress

    class ZMQInteractiveShell:
        pass

    class Shell(ZMQInteractiveShell):  # as google.colab._shell.Shell
        pass

    for shell, want in ((ZMQInteractiveShell(), True), (Shell(), True), (object(), False)):
        fake = types.SimpleNamespace(get_ipython=lambda shell=shell: shell)
        monkeypatch.setitem(sys.modules, "IPython", fake)
        assert progress._in_notebook() is want


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConstantOutputWarning")  # tiny designs
def test_a_sensitivity_bar_moves_within_its_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffsim as ts

    monkeypatch.delenv(ENV, raising=False)
    seen = _spy_bar(monkeypatch, "tariffsim.analysis.runner.progress_bar")
    res = ts.sensitivity("us-china-145", {"learning_rate.US": (0.02, 0.4)}, ["peak"], n=4,
                         method="morris", rounds=6, progress=True)  # fmt: skip
    assert sum(seen) == res.runs and len(seen) >= 6  # round by round, not once at the end


def test_a_qre_sweep_bar_moves_per_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each logit-QRE solve moves the bar (a block of states can take minutes of them); a
    sweep still adds up to one."""
    import tariffsim as ts
    from tariffsim import equilibrium as eq

    monkeypatch.delenv(ENV, raising=False)
    seen = _spy_bar(monkeypatch, "tariffsim.equilibrium.markov.progress_bar")
    r = eq.markov_perfect(ts.load_scenario("us-china-145").game, selection="qre", progress=True)
    assert len(seen) > r.iterations  # more than once a sweep
    assert abs(sum(seen) - round(sum(seen))) < 1e-9 * sum(seen)  # whole sweeps in all


def test_backward_induction_bar_counts_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar's total is the horizon; it moves as each round's states finish (a logit-QRE
    round moves it per solve) and ends at the horizon."""
    import tariffsim as ts
    from tariffsim import equilibrium as eq

    monkeypatch.delenv(ENV, raising=False)
    totals: list[object] = []
    seen = _spy_bar(monkeypatch, "tariffsim.equilibrium.markov.progress_bar")
    real = eq.markov.progress_bar
    monkeypatch.setattr(
        "tariffsim.equilibrium.markov.progress_bar",
        lambda total, **kw: (totals.append(total), real(total, **kw))[1],
    )
    g = ts.load_scenario("us-china-145").game
    eq.backward_induction(g, 4, 0.9, selection="qre", progress=True)
    assert totals == [4]
    assert len(seen) > 4  # more than once a round
    assert abs(sum(seen) - 4) < 1e-9
    with pytest.raises(ParameterError, match="`progress`"):
        eq.backward_induction(g, 2, progress="yes")  # type: ignore[arg-type]


def test_fractional_bars_show_two_decimals(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr("tariffsim.progress.DELAY", 0)
    for total in (3, None):
        with progress_bar(total, desc="t", unit="round", enabled=True, fractional=True) as bar:
            bar.update(1 / 7)
            bar._bar.refresh()
        err = capsys.readouterr().err
        assert "0.14" in err and "0.142857" not in err


@pytest.mark.parametrize("threads", ["1", "2"])
def test_a_summit_round_moves_the_bar_by_its_look_aheads(
    monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """The Geneva round of ``us-china-145`` plays two look-aheads of the horizon (the
    disagreement point and the check of the deal) besides its own round: the bar weighs it so
    and moves while they play, where it stood still for most of a small ensemble's time."""
    import tariffsim as ts
    from tariffsim import _talks

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("TARIFFSIM_THREADS", threads)
    seen = _spy_bar(monkeypatch, "tariffsim.analysis.runner.progress_bar")
    sc = ts.load_scenario("us-china-145")
    geneva = sc.game.round_of(next(e for e in sc.game.events if e.kind == "summit").when)
    at: list[float] = []
    real = _talks._Talks.bargain

    def bargain(self, *a, **kw):  # type: ignore[no-untyped-def]
        at.append(sum(seen))  # counted when the summit's round starts
        return real(self, *a, **kw)

    monkeypatch.setattr(_talks._Talks, "bargain", bargain)
    runs, rounds = 400, geneva + 4
    ts.ensemble(sc, runs=runs, seed=0, vary="claims", rounds=rounds, chunk_size=runs,
                progress=True)  # fmt: skip
    h = sc.game.negotiation.horizon
    assert sum(seen) == runs  # every run counted once
    assert len(seen) > rounds  # during the look-aheads too, not only as rounds end
    if len(at) == 1:  # one part (two may count at once): weighed by the work, the rounds
        # before the summit are 15 of 20 + 2 h rounds' worth (by rounds alone, 15 of 20)
        assert at[0] == runs * (geneva - 1) // (rounds + 2 * h) < runs / 2


def test_a_tournament_bar_moves_by_quarters_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In this process a round robin's matches were one chunk: the bar sat at zero until the
    end. Now four chunks of matches, each counted as it ends, whatever the chunking's bits."""
    from tariffsim import tournament as tn

    monkeypatch.delenv(ENV, raising=False)
    seen = _spy_bar(monkeypatch, "tariffsim.analysis.runner.progress_bar")
    kw = {"rounds": 6, "repetitions": 3, "seed": 1, "noise": 0.05}  # (27 distinct matches)
    r = tn.round_robin(["hold", "tit-for-tat", "myopic"], "us-china-145", progress=True, **kw)
    assert seen == [7, 7, 7, 6]
    again = tn.round_robin(["hold", "tit-for-tat", "myopic"], "us-china-145", progress=False,
                           **kw)  # fmt: skip
    assert r.payoff_matrix.tobytes() == again.payoff_matrix.tobytes()
