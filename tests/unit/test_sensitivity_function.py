"""Sensitivity analysis on functions with known indices (same code path as the model)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim.analysis.sensitivity import SensitivityResult, analyse_function
from tariffsim.errors import ParameterError

PI = float(np.pi)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices (Ishigami & Homma 1990; Sobol & Levitan 1999)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / v
    st_ = np.array([v1 + v13, v2, v13]) / v
    return s1, st_


BOUNDS = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ishigami_sobol_indices_match_analytic_within_intervals(seed: int) -> None:
    res = analyse_function(ishigami, BOUNDS, method="sobol", n=2048, seed=seed)
    s1, st_ = ishigami_indices()
    ix = res.indices["y"]
    # the analytic values lie inside the reported 95% intervals
    assert np.all(np.abs(ix["S1"] - s1) <= ix["S1_conf"]), (ix["S1"], ix["S1_conf"], s1)
    assert np.all(np.abs(ix["ST"] - st_) <= ix["ST_conf"]), (ix["ST"], ix["ST_conf"], st_)
    # and the intervals are informative (not wide enough to contain anything)
    assert np.all(ix["S1_conf"] < 0.1) and np.all(ix["ST_conf"] < 0.1)
    assert res.runs == 2048 * 5
    assert res.ranking("y") == ("x1", "x2", "x3")


def test_ishigami_morris_screens_x3_as_interacting() -> None:
    res = analyse_function(ishigami, BOUNDS, method="morris", n=200, seed=0)
    ix = res.indices["y"]
    # x3 acts only through its interaction with x1: mu (signed) ~ 0, sigma large
    assert abs(ix["mu"][2]) < 0.5 * ix["sigma"][2]
    assert res.runs == 200 * 4
    assert set(res.ranking("y")[:2]) == {"x1", "x2"}


@settings(max_examples=10, deadline=None)
@given(
    w=st.lists(st.floats(0.1, 10), min_size=2, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_linear_function_ranks_by_weight(w: list[float], seed: int) -> None:
    """For y = sum w_i x_i on [0, 1]^k, S1_i = ST_i = w_i^2 / sum w^2."""
    wa = np.array(w)
    bounds = {f"x{i}": (0.0, 1.0) for i in range(len(w))}
    res = analyse_function(lambda x: x @ wa, bounds, n=512, seed=seed)
    expect = wa**2 / (wa**2).sum()
    ix = res.indices["y"]
    np.testing.assert_allclose(ix["ST"], expect, atol=0.05)
    np.testing.assert_allclose(ix["S1"], expect, atol=0.08)


def test_same_seed_same_result_and_frozen() -> None:
    a = analyse_function(ishigami, BOUNDS, n=256, seed=3)
    b = analyse_function(ishigami, BOUNDS, n=256, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.indices["y"]["ST"], b.indices["y"]["ST"])
    assert isinstance(a, SensitivityResult)
    with pytest.raises(ValueError):
        a.X[0, 0] = 1.0


def test_table_rows_frame_and_plot() -> None:
    res = analyse_function(ishigami, BOUNDS, n=256, seed=0)
    text = res.table()
    lines = text.splitlines()
    assert lines[0].startswith("y (sobol")
    assert [ln.split()[0] for ln in lines[2:]] == list(res.ranking("y"))
    rows = res.rows()
    assert {r["param"] for r in rows} == {"x1", "x2", "x3"}
    df = res.to_frame()
    assert df.loc[("y", "x2"), "ST"] == pytest.approx(rows[1]["ST"])
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(reversed(res.ranking("y")))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "fast"}, "`method` must be one of"),
        ({"n": 1000}, "power of 2"),
        ({"n": 1}, "`n` must be an int >= 2"),
        ({"seed": -1}, r"`seed` must be an int >= 0 \(below 2\*\*4096\); got -1"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        analyse_function(ishigami, BOUNDS, **kwargs)


def test_bad_bounds_are_named() -> None:
    """The argument is ``bounds`` (the error used to say ``params``, sensitivity's)."""
    with pytest.raises(ParameterError, match=r"`bounds.x1`: range must be finite with low < high"):
        analyse_function(ishigami, {"x1": (1.0, 1.0)})
    with pytest.raises(ParameterError, match="`fn` must return shape"):
        analyse_function(lambda x: x, BOUNDS, n=8)


def test_keys_that_read_alike_are_refused() -> None:
    """``1`` and ``"1"`` both became the input ``'1'``: two ranges, one column."""
    with pytest.raises(ParameterError, match=r"`bounds`: keys \['1'\] name the same input twice"):
        analyse_function(lambda x: x[:, 0], {1: (0, 1), "1": (0, 2)}, n=8)


def test_a_failing_function_is_named_as_fn() -> None:
    """Before: the function's bare ZeroDivisionError; now as sensitivity names a failing
    output, with the function's error as the cause."""
    with pytest.raises(ParameterError, match="`fn` failed on the design: ZeroDivisionError") as e:
        analyse_function(lambda x: 1 / 0, {"a": (0, 1)}, n=8)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


@pytest.mark.parametrize("bad", [0, 1, -1, 2.5, True, "100", 10**9])
def test_num_resamples_is_checked_before_any_work(bad) -> None:
    calls = []

    def fn(x):
        calls.append(1)
        return x[:, 0]

    with pytest.raises(ParameterError, match=r"`num_resamples` must be an int in \[2, "):
        analyse_function(fn, {"x1": (0, 1), "x2": (0, 1)}, n=8, num_resamples=bad)
    assert calls == []


@pytest.mark.parametrize("out", [lambda x: np.full(len(x), np.nan), lambda x: ["a"] * len(x)])
def test_outputs_must_be_finite_numbers(out) -> None:
    with pytest.raises(ParameterError, match="`fn` must return"):
        analyse_function(out, {"x1": (0, 1), "x2": (0, 1)}, n=8)


@pytest.mark.parametrize("seed", [0, 1])
def test_sobol_intervals_repeat_for_every_seed(seed: int) -> None:
    """The bootstrap of the intervals is seeded too, seed 0 included (SALib takes 0 as none)."""
    a = analyse_function(ishigami, BOUNDS, method="sobol", n=64, seed=seed)
    b = analyse_function(ishigami, BOUNDS, method="sobol", n=64, seed=seed)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert a.indices["y"][key].tobytes() == b.indices["y"][key].tobytes(), key


def test_ranking_takes_a_count_of_at_least_zero() -> None:
    res = analyse_function(ishigami, BOUNDS, method="morris", n=10, seed=0)
    assert len(res.ranking("y", 2)) == 2 and res.ranking("y", 0) == ()
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ParameterError, match="`k` must be"):
            res.ranking("y", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_a_constant_output_has_no_index_and_says_so(method: str) -> None:
    """SALib gave zeros (0.000 ± 0.000, read as "no influence, measured") for an output that
    never varies, and warned in its own words from its own files. Now its indices are NaN,
    the table and the chart say it is constant, and one tariffsim warning names it."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from tariffsim.errors import ConstantOutputWarning

    def flat(x: np.ndarray) -> np.ndarray:
        return np.full(len(x), 1.45)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = analyse_function(flat, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, method=method, n=8,
                               output="peak")  # fmt: skip
    ours = [w for w in seen if w.category is ConstantOutputWarning]
    assert len(ours) == 1 and "'peak' takes one value" in str(ours[0].message)
    assert [str(w.message) for w in seen if w.category is not ConstantOutputWarning] == []
    assert res.constant == ("peak",)
    assert all(np.isnan(v).all() for v in res.indices["peak"].values())
    assert "constant over the design (1.45)" in res.table()
    ax = res.plot("peak")
    assert "constant" in ax.texts[0].get_text() and not ax.patches


def test_a_sobol_output_flat_on_the_base_samples_has_no_index_and_says_so() -> None:
    """An output that differed in one run of 112, none of them a base sample (A or B), got
    Sobol indices of 0.000 +- 0.000 from SALib: its variance, their denominator, is taken
    over the base samples alone. Now they are NaN, and the table, chart and warning say why."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from tariffsim.errors import ConstantOutputWarning

    def rare(x: np.ndarray) -> np.ndarray:
        y = np.full(len(x), 16.0)
        y[5] = 15.0  # the design's rows: A, AB_a, AB_b, B per base sample; row 5 is an AB_a
        return y

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = analyse_function(rare, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, method="sobol", n=8,
                               output="first_cut_week")  # fmt: skip
    assert res.Y[5, 0] == 15.0 and res.constant == ()
    ours = [str(w.message) for w in seen if w.category is ConstantOutputWarning]
    assert len(ours) == 1 and "only 1 of its 32 runs" in ours[0] and "undefined" in ours[0]
    assert all(np.isnan(v).all() for v in res.indices["first_cut_week"].values())
    assert "0.000" not in res.table() and "raise `n`" in res.table()
    ax = res.plot("first_cut_week")
    assert "undefined" in ax.texts[0].get_text() and not ax.patches
    # an output in units so small that its variance is below machine epsilon: SALib's zeros
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tiny = analyse_function(lambda x: 1e-17 * (x[:, 0] + 2 * x[:, 1]),
                                {"a": (0.0, 1.0), "b": (0.0, 1.0)}, method="sobol", n=16,
                                output="y")  # fmt: skip
    assert np.isnan(tiny.indices["y"]["ST"]).all()
    said = [str(w.message) for w in seen if w.category is ConstantOutputWarning]
    assert len(said) == 1 and "smaller units" in said[0] and "takes one value" not in said[0]
    # an output whose variance overflows a float: SALib divided by inf, with numpy's
    # overflow warnings, and gave zeros
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        huge = analyse_function(lambda x: 1e308 * x[:, 0], {"a": (0.0, 1.0), "b": (0.0, 1.0)},
                                method="sobol", n=8, output="y")  # fmt: skip
    assert np.isnan(huge.indices["y"]["ST"]).all() and "larger units" in huge.table()
    assert [w.category for w in seen] == [ConstantOutputWarning]
    # Morris has no such denominator: its indices stay
    res = analyse_function(rare, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, method="morris", n=8,
                           output="y")  # fmt: skip
    assert not np.isnan(res.indices["y"]["mu_star"]).all()


def test_an_output_that_varies_is_not_called_constant() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analyse_function(lambda x: x[:, 0] + 0.1 * x[:, 1], {"a": (0, 1), "b": (0, 1)},
                               n=64, output="y")  # fmt: skip
    assert res.constant == () and np.isfinite(res.indices["y"]["ST"]).all()


def test_a_design_too_small_for_an_output_is_said() -> None:
    """Estimates that are no Sobol index (an interval wider than [0, 1], or wholly outside
    it) are warned of and marked in the table; the same output with a sound n is not."""
    from tariffsim.errors import SampleSizeWarning

    def rare(x):  # moves in few runs: a step at the top 3% of a's range
        return (x[:, 0] > 0.97).astype(float) + 1e-3 * x[:, 1]

    with pytest.warns(SampleSizeWarning, match=r"'y': .* raise `n`"):
        small = analyse_function(rare, {"a": (0, 1), "b": (0, 1)}, n=8, output="y")
    assert "NOT RELIABLE" in small.table()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sound = analyse_function(rare, {"a": (0, 1), "b": (0, 1)}, n=4096, output="y")
    assert "NOT RELIABLE" not in sound.table()


def test_an_unreliable_estimate_is_named_worst_first_with_its_cause() -> None:
    """The warning named the first estimate out of bounds (1 ± 0.96 of one parameter) where
    another was far worse (2.0 ± 2.2), and always blamed an output that "moves in few of its
    runs", a continuous one too; the chart showed such estimates as shares of variance
    without a word; and a constant output's rows were marked reliable beside NaN indices."""
    import matplotlib

    from tariffsim.analysis.sensitivity import _unsound
    from tariffsim.errors import ConstantOutputWarning, SampleSizeWarning

    matplotlib.use("Agg")
    ix = {"ST": np.array([1.0, 2.0]), "ST_conf": np.array([0.96, 2.2]),
          "S1": np.array([0.1, 0.2]), "S1_conf": np.array([0.1, 0.1])}  # fmt: skip
    assert _unsound(ix, ("a", "b")).startswith("ST of b is 2 ± 2.2")
    # a continuous output on a small design: too small for its spread, not "moves in few runs"
    with pytest.warns(SampleSizeWarning) as caught:
        cont = analyse_function(lambda x: x[:, 0] * x[:, 1] ** 3 + x[:, 2], {"a": (0, 1),
                                "b": (0, 1), "c": (0, 1)}, n=2, output="y")  # fmt: skip
    said = str(caught[0].message)
    assert "too small for the spread" in said and "few" not in said
    # a step at the top 5% of a's range: it moves in few runs, and says how few
    with pytest.warns(SampleSizeWarning, match=r"moves in few of the design's runs \(3\.1%"):
        analyse_function(lambda x: (x[:, 0] > 0.95).astype(float) + 1e-3 * x[:, 1],
                         {"a": (0, 1), "b": (0, 1)}, n=16, output="y")  # fmt: skip
    # the chart says it as the table does
    ax = cont.plot()
    assert ax.get_title().startswith("NOT RELIABLE: y: sensitivity")
    assert "too small for the spread" in " ".join(ax.get_title().split())
    fine = analyse_function(lambda x: x[:, 0] + 0.1 * x[:, 1], {"a": (0, 1), "b": (0, 1)}, n=64)
    assert not fine.plot().get_title().startswith("NOT RELIABLE")
    # a constant output: its NaN indices are not reliable in the rows (and the CSV)
    with pytest.warns(ConstantOutputWarning):
        flat = analyse_function(lambda x: 0 * x[:, 0], {"a": (0, 1), "b": (0, 1)}, n=8)
    assert all(row["reliable"] is False for row in flat.rows())
    assert all(row["reliable"] is True for row in fine.rows())


def test_morris_intervals_stop_at_zero() -> None:
    """mu*, a mean of absolute effects, is never below 0: the chart's interval stops there."""
    import matplotlib

    matplotlib.use("Agg")
    res = analyse_function(lambda x: x[:, 0] + 0.01 * np.sin(40 * x[:, 1]),
                           {"a": (0, 1), "b": (0, 1)}, method="morris", n=4)  # fmt: skip
    ix = res.indices["y"]
    assert (ix["mu_star_conf"] > ix["mu_star"]).any()  # an interval that would cross 0
    ax = res.plot()
    lows = [seg[:, 0].min() for c in ax.collections for seg in c.get_segments()]
    assert lows and min(lows) >= 0
