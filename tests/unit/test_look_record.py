"""A look-ahead records its runs' layers only when some run starts off its headline's split."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import engine

GAME = ts.load_scenario("us-china-145").game


def _lifted_before_geneva():
    """The fentanyl layer lifted a week before the Geneva talks: the US-CN headline (the
    reciprocal 34%) is then off its split (whose first layer is the fentanyl one) when the
    summit's look-ahead starts; the truce's renewals start on the split."""
    fent = next(e for e in GAME.events if e.kind == "set" and e.layer == "fentanyl")
    lift = dataclasses.replace(fent, when=dt.date(2025, 5, 7), level=0.0, label="lifted")
    return GAME.replace(events=(*GAME.events, lift))


def _play(game, monkeypatch=None, always=False):
    kept = []
    real = engine._Record.__init__

    def spy(self, rt, mode, out=None, look_layers=True):
        if mode == "look":
            kept.append(look_layers)
        return real(self, rt, mode, out, look_layers or always)

    if monkeypatch is not None:
        monkeypatch.setattr(engine._Record, "__init__", spy)
    over = {"elasticity": np.array([1.5, 2.0, 2.5, 3.0]), "noise": np.full(4, 0.05)}
    pb = ts.simulate_batch(game, 52, seeds=range(4), overrides=over, record="compact")
    return pb, kept


def test_the_layers_are_kept_when_read_and_dropping_them_otherwise_changes_nothing(
    monkeypatch,
):
    game = _lifted_before_geneva()
    lean, kept = _play(game, monkeypatch)
    assert True in kept and False in kept  # both kinds of look-ahead were played
    with monkeypatch.context() as m:
        every, _ = _play(game, m, always=True)
    for f in ("tariff", "payoff", "recession", "approval", "layers"):
        assert np.array_equal(getattr(lean, f), getattr(every, f)), f
    assert lean.agreements == every.agreements


def test_a_look_ahead_off_the_split_reads_its_layers(monkeypatch):
    """Without the layers of a look-ahead that starts off the split, its values could not be
    computed: the talks ask for them (no silent fallback to the split)."""
    game = _lifted_before_geneva()
    real = engine._Record.__init__

    def never(self, rt, mode, out=None, look_layers=True):
        return real(self, rt, mode, out, False)

    monkeypatch.setattr(engine._Record, "__init__", never)
    with pytest.raises(KeyError, match="layers"):
        _play(game)
