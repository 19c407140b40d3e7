"""Mergeable reductions against numpy on random run arrays: exact, and chunking-independent."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim.analysis.reduce import Histogram, TariffCounts, quantiles_from_counts

LEVELS = np.array([0.0, 0.1, 0.15, 0.2, 0.34, 0.54, 0.84, 1.04, 1.25, 1.45])
levels_q = st.lists(st.floats(0, 1), min_size=1, max_size=6).map(np.array)


@st.composite
def tariff_runs(draw: st.DrawFn) -> np.ndarray:
    r, t1, d = draw(st.integers(1, 30)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return LEVELS[rng.integers(0, draw(st.integers(1, len(LEVELS))), size=(r, t1, d))]


@st.composite
def cuts(draw: st.DrawFn, n: int) -> list[tuple[int, int]]:
    """A random split of ``range(n)`` into consecutive chunks."""
    inner = sorted(draw(st.sets(st.integers(1, max(1, n - 1)), max_size=4)) - {n})
    edges = [0, *inner, n]
    return [(a, b) for a, b in itertools.pairwise(edges) if a < b]


@given(x=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40), q=levels_q)
@settings(max_examples=60, deadline=None)
def test_quantiles_from_order_statistics_are_numpys(x: list[float], q: np.ndarray) -> None:
    arr = np.array(x)
    s = np.sort(arr)
    got = quantiles_from_counts(q, len(arr), lambda r: s[r])
    assert got.tobytes() == np.quantile(arr, q).tobytes()


@given(runs=tariff_runs(), q=levels_q)
@settings(max_examples=60, deadline=None)
def test_tariff_counts_give_numpys_quantiles_bit_for_bit(runs: np.ndarray, q: np.ndarray) -> None:
    tc = TariffCounts.of(runs)
    assert tc.runs == len(runs)
    for d in range(runs.shape[2]):
        want = np.quantile(runs[:, :, d], q, axis=0)
        assert tc.quantiles(d, q).tobytes() == want.tobytes()
        pk = runs[:, :, d].max(axis=1)
        assert tc.peak_quantiles(d, q).tobytes() == np.quantile(pk, q).tobytes()
        np.testing.assert_allclose(tc.mean(d), runs[:, :, d].mean(axis=0), rtol=1e-12)


@given(data=st.data(), runs=tariff_runs())
@settings(max_examples=40, deadline=None)
def test_tariff_counts_merge_like_one_chunk(data: st.DataObject, runs: np.ndarray) -> None:
    parts = [TariffCounts.of(runs[a:b]) for a, b in data.draw(cuts(len(runs)))]
    order = data.draw(st.permutations(range(len(parts))))
    acc = parts[order[0]]
    for k in order[1:]:
        acc = acc.merge(parts[k])
    whole = TariffCounts.of(runs)
    for f in ("levels", "counts", "peak"):
        assert getattr(acc, f).tobytes() == getattr(whole, f).tobytes()
    assert acc.runs == whole.runs == len(runs)


@st.composite
def indicator_runs(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    r, t1, n = draw(st.integers(1, 30)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-3, 1.0, 50.0, 2e9]))  # 2e9: bins ~2**61 apart at 1e-9
    vals = rng.normal(0.5, 0.3, size=(r, t1, n)) * scale
    if draw(st.booleans()):  # ties and constant series, as third parties have
        vals[:, :, 0] = np.round(vals[:, :, 0], 1)
    width = draw(st.sampled_from([1e-9, 1e-4, 1e-3, 0.01, 0.05, 0.3]))
    return vals, width


@given(case=indicator_runs(), q=levels_q)
@settings(max_examples=60, deadline=None)
def test_histogram_quantiles_within_half_a_bin(
    case: tuple[np.ndarray, float], q: np.ndarray
) -> None:
    vals, w = case
    h = Histogram.of(vals, w)
    t1, n = vals.shape[1:]
    series = np.arange(t1 * n)
    got = h.quantiles(series, q)
    want = np.quantile(vals.reshape(len(vals), -1), q, axis=0)
    tol = w / 2 * (1 + 1e-9) + 1e-12 * np.abs(want)
    assert np.all(np.abs(got - want) <= tol)
    assert np.all(np.abs(h.mean(series) - vals.reshape(len(vals), -1).mean(axis=0)) <= tol.max())
    grid = h.quantiles(series, np.array([0.0, 1.0]))  # order statistics sit on the grid
    np.testing.assert_allclose(grid / w, np.rint(grid / w), rtol=1e-15, atol=1e-6)


@given(data=st.data(), case=indicator_runs())
@settings(max_examples=40, deadline=None)
def test_histograms_merge_like_one_chunk(
    data: st.DataObject, case: tuple[np.ndarray, float]
) -> None:
    vals, w = case
    parts = [Histogram.of(vals[a:b], w) for a, b in data.draw(cuts(len(vals)))]
    order = data.draw(st.permutations(range(len(parts))))
    acc = parts[order[0]]
    for k in order[1:]:
        acc = acc.merge(parts[k])
    whole = Histogram.of(vals, w)
    for f in ("slot", "bin", "count"):
        assert getattr(acc, f).tobytes() == getattr(whole, f).tobytes()
    assert acc.runs == len(vals)
    bins, dense = acc.dense()
    assert (dense.sum(axis=1) == len(vals)).all() and len(bins) == dense.shape[1]


def test_histogram_bins_any_distance_apart() -> None:
    """Values 8e9 bins of 1e-9 apart (no one int64 key per round, country and bin): counted,
    merged and averaged exactly. (A histogram used to be limited to 2**22 bins from its
    lowest to its highest, which an ensemble found out after its first chunk.)"""
    vals = np.zeros((40, 3, 2))
    vals[::2] = 4.0e9
    vals[1::2] = -4.0e9 + 1e-9 * np.arange(20).reshape(20, 1, 1) * 2**21
    vals[5, 2, 1] = 0.125
    w = 1e-9
    whole = Histogram.of(vals, w)
    parts = Histogram.of(vals[:7], w).merge(Histogram.of(vals[7:], w))
    for f in ("slot", "bin", "count"):
        assert getattr(parts, f).tobytes() == getattr(whole, f).tobytes()
    series = np.arange(6)
    for s in series:
        got = np.rint(vals.reshape(40, -1)[:, s] / w)
        b, c = np.unique(got, return_counts=True)
        assert whole.bin[whole.slot == s].tolist() == b.astype(np.int64).tolist()
        assert whole.count[whole.slot == s].tolist() == c.tolist()
    # the bins' sum (40 runs near 4e18) is beyond int64: summed in Python ints
    exact = [sum(int(x) for x in np.rint(vals.reshape(40, -1)[:, s] / w)) for s in series]
    np.testing.assert_allclose(whole.mean(series), [e * w / 40 for e in exact], rtol=1e-15)
    np.testing.assert_allclose(whole.mean(series), vals.reshape(40, -1).mean(axis=0), atol=1e-6)
