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
