"""Plots an analyst can publish: every series drawn, events numbered apart, titles, comparisons."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import tariffsim as ts
from tariffsim.errors import ParameterError
from tariffsim.plotting import plot_path, plot_paths, plot_summary


def _tariff_lines(ax):
    return {ln.get_label(): ln for ln in ax.get_lines() if " tariff on " in ln.get_label()}


def _texts(ax):
    """Every text of the figure ``ax`` is on (the event list sits under the lowest panel)."""
    return [t for a in ax.figure.axes for t in a.texts]


def test_equal_tariffs_have_distinct_styles() -> None:
    p = ts.load_scenario("canada-mexico-fentanyl").simulate(seed=0)
    lines = _tariff_lines(p.plot())
    ca, mx = lines["US tariff on CA"], lines["US tariff on MX"]
    assert max(ca.get_ydata()) == max(mx.get_ydata()) == 25.0
    # coinciding lines stay visible: different dash, colour and width, later on top
    assert ca.get_color() != mx.get_color()
    assert ca.get_linewidth() > mx.get_linewidth() and mx.get_zorder() > ca.get_zorder()


def test_export_control_drawn_for_rare_earth() -> None:
    p = ts.load_scenario("rare-earth-100").simulate(seed=0)
    ax = p.plot()
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["CN export control on US (% withheld)"]
    ys = np.concatenate([path.vertices[:, 1] for path in bands[0].get_paths()])
    assert ys.max() == pytest.approx(50.0)


def test_events_numbered_without_overlap() -> None:
    p = ts.load_scenario("four-country-2025").simulate(seed=0)
    ax = p.plot()
    ax.figure.canvas.draw()
    marks = [t for t in ax.texts if t.get_text().isdigit()]
    assert len(marks) == len({e.round for e in p.events})
    boxes = [t.get_window_extent() for t in marks]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b]), (marks[a].get_text(), marks[b].get_text())
    listing = next(t.get_text() for t in _texts(ax) if t.get_text().startswith("events:"))
    assert all(e.label[:40] in listing for e in p.events)


def test_agents_moves_are_marked() -> None:
    p = ts.load_scenario("us-china-145").simulate(seed=0)
    ax = p.plot()
    ups = [ln for ln in ax.get_lines() if ln.get_marker() == "^" and len(ln.get_xdata())]
    n_up = int((p.moves > 0).sum())  # a jump of several rungs too (the climb to 145%)
    assert sum(len(ln.get_xdata()) for ln in ups) == n_up > 0


def test_title_names_scenario_and_seed() -> None:
    sc = ts.load_scenario("us-china-145")
    ax = sc.simulate(seed=7).plot()
    assert sc.title in ax.get_title() and "seed 7" in ax.get_title()
    ax2 = sc.with_params(face_weight=0.3).simulate(seed=0).plot()
    assert "what-if: face_weight = 0.3" in ax2.get_title()


def test_summary_shows_every_player() -> None:
    p = ts.load_scenario("secondary-oil-tariffs").simulate(seed=0)
    fig = plot_summary(p)
    labels = [ln.get_label() for ln in fig.axes[1].get_lines()]
    for c in ("US", "CN", "IN"):
        assert f"{c} recession odds (%)" in labels


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_every_shown_series_has_a_line(name: str) -> None:
    p = ts.load_scenario(name).simulate(seed=0, rounds=6)
    ax = plot_path(p)
    lines = _tariff_lines(ax)
    assert set(lines) == {f"{a} tariff on {b}" for a, b in p.tariff_dyads()}
    for ln in lines.values():
        assert len(ln.get_xdata()) == len(p)


def test_plot_paths_consistent_colours_and_scale() -> None:
    sc = ts.load_scenario("us-china-145")
    base, alt = sc.simulate(seed=0), sc.with_params(face_weight=0.3).simulate(seed=0)
    fig = plot_paths({"baseline": base, "what-if": alt}, dyads=[("US", "CN"), ("CN", "US")])
    a0, a1 = fig.axes[0], fig.axes[1]
    l0, l1 = _tariff_lines(a0), _tariff_lines(a1)
    for k in l0:
        assert l0[k].get_color() == l1[k].get_color()
        assert l0[k].get_linestyle() == l1[k].get_linestyle()
    assert a0.get_ylim() == a1.get_ylim()
    assert a0.get_title().startswith("baseline") and a1.get_title().startswith("what-if")
    assert len(fig.axes[2].get_lines()) == 4  # two countries × two paths


def test_plot_paths_bad_input() -> None:
    with pytest.raises(ParameterError):
        plot_paths({})
    with pytest.raises(ParameterError):
        plot_paths({"x": 1})  # type: ignore[dict-item]


def test_plot_paths_names_the_path_a_dyad_is_not_in() -> None:
    """A dyad of an unknown country, or a path of a world without it, raised a bare
    ``ValueError: tuple.index(x): x not in tuple`` (or named no path)."""
    w = ts.World.default().add_country(
        ts.Country("VN", 0.48, "Vietnam"), imports={"US": 13.0}, exports={"US": 137.0},
        ties={"US": 0.5}, ladders={("US", "VN"): (0.0, 0.46)},
    )  # fmt: skip
    game = ts.Game(world=w, model=ts.PayoffModel(w, ts.Params.default(w)), rounds=3,
                   initial=ts.State.zeros(w.n).with_tariff(w, "US", "VN", 0.46))  # fmt: skip
    vn = game.simulate(seed=0)
    cn = ts.load_scenario("us-china-145").simulate(seed=0, rounds=3)
    from tariffsim.errors import UnknownNameError

    for paths, dyads, words in [
        ({"a": cn}, [("US", "XX")], r"country 'XX' is not in the path paths\['a'\]"),
        ({"cn": cn, "vn": vn}, None, r"country 'VN' is not in the path paths\['cn'\]"),
        ({"vn": vn, "cn": cn}, None, r"country 'VN' is not in the path paths\['cn'\]"),
    ]:
        with pytest.raises(UnknownNameError, match=words):
            plot_paths(paths, dyads)
    assert len(plot_paths({"vn": vn, "cn": cn}, [("US", "CN")]).axes) >= 2  # shared: drawn


def test_agreements_and_layers_are_drawn_when_recorded() -> None:
    from types import SimpleNamespace

    p = ts.load_scenario("us-china-145").simulate(seed=0)
    deal = SimpleNamespace(
        round=16, parties=("US", "CN"), terms={("US", "CN"): 0.3}, label="Geneva"
    )
    object.__setattr__(p, "agreements", (deal,))
    n, R = len(p.codes), len(p)
    layers = np.zeros((R, 2, n, n))
    layers[:, 0] = p.tariff
    object.__setattr__(p, "layers", layers)
    object.__setattr__(p, "layer_names", ("reciprocal", "fentanyl"))
    ax = p.plot(layers=True)
    assert any(t.get_text() == "A1" for t in ax.texts)
    listing = next(t.get_text() for t in _texts(ax) if t.get_text().startswith("events:"))
    assert "A1" in listing and "agreement US–CN: US->CN 30% (Geneva)" in listing
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert "US on CN: reciprocal layer" in labels and "US on CN: fentanyl layer" not in labels
    df = p.to_frame(tidy=True)
    assert set(df[df.variable == "tariff"].layer) == {"headline", "effective", "reciprocal",
                                                     "fentanyl"}  # fmt: skip


def _by_label(fig, ylabel):
    return next(a for a in fig.axes if a.get_ylabel() == ylabel)


EQUITY, BOND = "equity index (% from baseline)", "bond stress (yield points)"


def test_markets_panel_draws_each_players_index_and_bond_stress() -> None:
    p = ts.load_scenario("reciprocal-pause").simulate(seed=0)
    ax = p.plot()
    fig = ax.figure
    eq = _by_label(fig, EQUITY)
    assert eq is not ax and eq.get_shared_x_axes().joined(eq, ax)  # a panel of its own, same dates
    lines = {ln.get_label(): ln for ln in eq.get_lines() if ln.get_label().endswith("equity index")}
    assert set(lines) == {f"{c} equity index" for c in p.players()} == {
        "US equity index", "CN equity index"}  # fmt: skip
    for c, ln in lines.items():
        np.testing.assert_array_equal(ln.get_ydata(), p.equity[:, p.codes.index(c.split()[0])])
    # bond stress only where there is any: the US's Treasury sell-off, not China's
    bond = {ln.get_label(): ln for ln in _by_label(fig, BOND).get_lines()}
    assert set(bond) == {"US bond stress"} and p.bond[:, p.codes.index("CN")].max() == 0
    np.testing.assert_array_equal(bond["US bond stress"].get_ydata(), p.bond[:, 0])
    # the event list sits under the lowest panel, and the dates are on it
    assert any(t.get_text().startswith("events:") for t in eq.texts)


def test_no_market_movement_no_panel() -> None:
    w = ts.World.default()
    p = ts.simulate(ts.Game(w, ts.PayoffModel(w), rounds=3), seed=0)
    assert not p.equity.any() and not p.bond.any()
    fig = p.plot().figure
    assert EQUITY not in [a.get_ylabel() for a in fig.axes]
    assert fig.axes[0].get_ylabel() == "headline tariff (%)"  # (no control: no share withheld)


def test_the_tariff_axis_names_a_share_withheld_only_where_a_control_is_drawn() -> None:
    p = ts.load_scenario("rare-earth-100").simulate(seed=0)
    assert p.plot().get_ylabel() == "tariff / share withheld (%)"
    assert p.plot(controls=False).get_ylabel() == "headline tariff (%)"
    q = ts.load_scenario("us-china-145").simulate(seed=0)
    assert q.plot().get_ylabel() == "headline tariff (%)"


def test_markets_panel_needs_its_own_axes() -> None:
    from matplotlib.figure import Figure

    p = ts.load_scenario("reciprocal-pause").simulate(seed=0, rounds=3)
    ax = Figure().add_subplot()
    with pytest.raises(ParameterError, match="markets"):
        plot_path(p, ax=ax, markets=True)
    plot_path(p, ax=ax)  # a given axes: the tariffs only, the caller lays out the rest
    assert len(ax.figure.axes) == 2  # tariffs and their recession twin


def test_summary_and_comparison_show_the_markets() -> None:
    sc = ts.load_scenario("reciprocal-pause")
    p, calm = sc.simulate(seed=0), sc.replace(shocks=[]).simulate(seed=0)
    fig = plot_summary(p)
    eq = _by_label(fig, EQUITY)
    assert {ln.get_label() for ln in eq.get_lines() if "equity" in ln.get_label()} == {
        f"{c} equity index" for c in p.players()}  # fmt: skip
    assert fig.axes[3].get_ylabel() == "payoff (% of GDP, annual rate)"  # payoffs stay last
    cmp = plot_paths({"record": p, "no sell-off": calm}, dyads=[("US", "CN"), ("US", "EU")])
    eq = _by_label(cmp, EQUITY)
    labels = [ln.get_label() for ln in eq.get_lines() if "equity" in ln.get_label()]
    assert sorted(labels) == sorted(
        f"{c} equity index — {k}" for c in ("US", "CN", "EU") for k in ("record", "no sell-off")
    )
    us = next(ln for ln in eq.get_lines() if ln.get_label() == "US equity index — no sell-off")
    np.testing.assert_array_equal(us.get_ydata(), calm.equity[:, 0])
    assert len(plot_paths({"a": p}, markets=False).axes) == 2  # tariffs + recession only


def test_plot_markets_bad_input() -> None:
    from tariffsim.plotting import plot_markets

    p = ts.load_scenario("reciprocal-pause").simulate(seed=0, rounds=2)
    with pytest.raises(ts.UnknownNameError, match="XX"):
        plot_markets(p, countries=["XX"])


def test_a_long_paths_event_list_is_cut_and_counted() -> None:
    """Over 2,000 rounds about 150 renewals were listed in full: a summary figure 7,788
    pixels tall, and layout warnings; the list now stops at EVENT_LIST_MAX lines."""
    import warnings

    from tariffsim.plotting import EVENT_LIST_MAX

    p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=400)
    lines = sum(len(labels) for labels in _groups(p)) + len(p.agreements)
    assert lines > EVENT_LIST_MAX + 5  # (the renewals of the Geneva truce)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "constrained_layout not applied"
        fig = plot_summary(p)
        fig.canvas.draw()
    listing = next(t.get_text() for t in _texts(fig.axes[0]) if t.get_text().startswith("events:"))
    shown = listing.splitlines()[1:]
    assert len(shown) == EVENT_LIST_MAX
    assert (
        shown[-1].strip() == f"… and {lines - EVENT_LIST_MAX + 1} more lines (path.event_records)"
    )
    assert fig.get_size_inches()[1] <= 10 + 0.12 * EVENT_LIST_MAX + 2.6


def _groups(p):
    from tariffsim.plotting import _event_groups

    return [labels for _, labels in _event_groups(p)]


def test_a_tariff_and_its_target_share_one_colour_in_every_chart() -> None:
    """One rule colours every chart: a tariff line has the colour of the country it hits, and
    that country's recession odds and equity index the same colour, in ``Path.plot``, the
    summary, a comparison of paths, the markets panel and an ensemble's fan chart."""
    from tariffsim.plotting import plot_markets

    sc = ts.load_scenario("us-china-145")
    p = sc.simulate(seed=0, rounds=12)
    single = {k: v.get_color() for k, v in _tariff_lines(plot_path(p, recession=False)).items()}
    assert single["US tariff on CN"] != single["CN tariff on US"]
    summary = plot_summary(p)
    assert {k: v.get_color() for k, v in _tariff_lines(summary.axes[0]).items()} == single
    odds = {ln.get_label().split()[0]: ln.get_color() for ln in summary.axes[1].get_lines()
            if ln.get_label().endswith("recession odds (%)")}  # fmt: skip
    assert odds == {"CN": single["US tariff on CN"], "US": single["CN tariff on US"]}
    markets = {ln.get_label().split()[0]: ln.get_color() for ln in plot_markets(p).get_lines()
               if ln.get_label().endswith("equity index")}  # fmt: skip
    assert markets == odds
    both = plot_paths({"a": p, "b": p}, recession=True)
    assert {k: v.get_color() for k, v in _tariff_lines(both.axes[1]).items()} == single
    for ln in both.axes[2].get_lines():
        assert ln.get_color() == odds[ln.get_label().split()[0]]
    ens = ts.ensemble(sc, runs=2, seed=0, rounds=12, vary="claims")
    fan = {ln.get_label().removesuffix(" (median)"): ln.get_color()
           for ln in ens.plot(indicators=()).axes[0].get_lines()}  # fmt: skip
    assert {k: fan[k] for k in single} == single


def test_the_first_eight_countries_keep_their_colours_whatever_a_chart_shows() -> None:
    from tariffsim.plotting import PALETTE, country_colours

    codes = ["US", "CN", "CA", "MX", "JP", "KR", "EU", "IN", "BR", "AU"]
    for shown in (["BR", "US", "CN"], ["AU", "BR", "CN", "US"], codes[::-1]):
        c = country_colours(codes, [("US", "CN")], shown)
        assert (c["US"], c["CN"], c[("US", "CN")]) == (PALETTE[0], PALETTE[1], PALETTE[1])
        first = [x for x in shown if codes.index(x) < 8]
        assert [c[x] for x in first] == [PALETTE[codes.index(x)] for x in first]


def test_a_given_colour_overrides_the_rule() -> None:
    p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=6)
    lines = _tariff_lines(plot_path(p, colors={("US", "CN"): "#123456", ("CN", "US"): 4}))
    assert lines["US tariff on CN"].get_color() == "#123456"
    assert lines["CN tariff on US"].get_color() == ts.plotting.PALETTE[4]


def test_a_chart_of_something_else_than_a_path_is_refused_by_name() -> None:
    """Each chart of a path refuses anything else with a ParameterError naming its argument
    (they were bare AttributeErrors); an ensemble is told its own chart."""
    from tariffsim.errors import ParameterError as PE
    from tariffsim.plotting import plot_markets

    ens = ts.ensemble("us-china-145", runs=2, seed=0, rounds=2, vary="claims")
    for f in (plot_path, plot_summary, plot_markets):
        for bad in (None, 5, ens, [ens]):
            with pytest.raises(PE, match=r"`path` must be a Path; got"):
                f(bad)
        with pytest.raises(PE, match=r"ens\.plot\(\)"):
            f(ens)
    for bad in (None, [], ens):
        with pytest.raises(PE, match=r"`paths` must be a mapping of label to Path"):
            plot_paths(bad)
    with pytest.raises(PE, match=r"`paths\['a'\]` must be a Path; got Ensemble"):
        plot_paths({"a": ens})


def test_dyads_and_colours_of_a_chart_are_checked() -> None:
    """Dyads may be spelled as their labels; a colour mapping with a bad key or value is a
    ParameterError (they were ignored, or wrong colours, or matplotlib's errors)."""
    from tariffsim.errors import ParameterError as PE

    p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=6)
    for spelled in (["US->CN"], "US-CN", [("US", "CN")]):
        assert list(_tariff_lines(plot_path(p, dyads=spelled))) == ["US tariff on CN"]
    fig = plot_paths({"a": p}, dyads=["US->CN", "CN-US"])
    assert set(_tariff_lines(fig.axes[0])) == {"US tariff on CN", "CN tariff on US"}
    ok = _tariff_lines(plot_path(p, colors={"US->CN": "red", ("CN", "US"): np.int64(3)}))
    assert ok["US tariff on CN"].get_color() == "red"
    assert ok["CN tariff on US"].get_color() == ts.plotting.PALETTE[3]
    for bad, said in (
        ({("US", "CN"): True}, "colors"), ({("US", "CN"): -1}, "colors"),
        ({("US", "CN"): "notacolour"}, "colors"), ({("US", "CN"): None}, "colors"),
        ({("US", "CN"): 1.5}, "colors"), ({("ZZ", "QQ"): 3}, "not drawn"),
        ({"U": 1}, "a dyad is"), ({5: 1}, "a dyad is"), (["red"], "must map dyads"),
    ):  # fmt: skip
        with pytest.raises(PE, match=said):
            plot_path(p, colors=bad)


@pytest.mark.parametrize("start", ["first", "last"])
def test_charts_at_the_calendars_ends_draw(start: str, tmp_path) -> None:
    """A game may start on 1 January of year 1 or end on 31 December 9999; its charts draw.

    Autoscaling's margin fell outside matplotlib's calendar there, and drawing failed in
    its tick locator (the fan chart's last step overflowed the date type first)."""
    import dataclasses
    import datetime as dt

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    game = ts.load_scenario("us-china-145").game
    span = dt.timedelta(days=game.round_days * game.rounds)
    first = dt.date.min if start == "first" else dt.date.max - span
    g = dataclasses.replace(game, start=first)
    p = ts.simulate(g, seed=0)
    ens = ts.ensemble(g, runs=3, seed=0, progress=False)
    summary = ts.ensemble(g, runs=3, seed=0, progress=False, keep="summary")
    figures = {
        "path": p.plot().figure,
        "markets": ts.plot_markets(p).figure,
        "summary": plot_summary(p),
        "paths": plot_paths({"a": p, "b": p}),
        "ensemble": ens.plot().figure,
        "ensemble summary": summary.plot().figure,
    }
    lo, hi = mdates.date2num(dt.date.min), mdates.date2num(dt.date.max)
    for name, fig in figures.items():
        fig.savefig(tmp_path / f"{name}.png")  # drawn: the tick locator runs
        for ax in fig.axes:
            a, b = ax.get_xlim()
            if ax.xaxis.get_converter() is not None:  # (a date axis)
                assert lo <= a < b <= hi, name
        plt.close(fig)
    # away from the ends, autoscaling's margins are kept as they were
    ax = ts.simulate(game, seed=0).plot()
    a, b = ax.get_xlim()
    days = mdates.date2num([game.start, game.start + span])
    assert a < days[0] and b > days[1]
    plt.close(ax.figure)


def test_charts_drawn_on_new_figures_keep_their_labels_inside_them() -> None:
    """A plain savefig of the policy chart cut its y label (the legend beside a square grid
    left the layout no room, and it gave up), and the tournament's charts (pyplot figures
    without a layout) cut the strategies' names."""
    sc = ts.load_scenario("us-china-145")
    mpe = ts.equilibrium.markov_perfect(sc.game, discount=0.95, progress=False)
    names = ["tit-for-tat", "always-escalate", "always-deescalate", "face-saving-retreat",
             "contrite-tit-for-tat", "generous-tit-for-tat"]  # fmt: skip
    r = ts.tournament.round_robin(names, rounds=6, repetitions=1, progress=False)
    for ax in (mpe.plot_policy(), r.payoff_heatmap(), r.ranking_plot()):
        fig = ax.figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        canvas.draw()  # (as savefig does: the layout runs)
        renderer = canvas.get_renderer()
        inside = fig.bbox.padded(1.0)
        for a in fig.axes:
            box = a.get_tightbbox(renderer)
            assert box is not None
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), (
                ax.get_title(),
                box,
                fig.bbox,
            )
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_odds_step_with_the_tariffs_and_the_axis_offset_says_the_year() -> None:
    """Recession odds were drawn as slopes between rounds beside stepped tariffs, so they
    seemed to rise a week before the tariff that raised them; a chart of February said
    "2025-Mar" under its axis; a breakdown printed "-0.000"; the population charts' legend
    sat on the areas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    p = ts.load_scenario("canada-mexico-fentanyl").simulate(seed=0)
    ax = p.plot()
    odds = [ln for a in ax.figure.axes for ln in a.get_lines()
            if ln.get_label().endswith("recession odds")]  # fmt: skip
    assert odds and all(ln.get_drawstyle() == "steps-post" for ln in odds)
    FigureCanvasAgg(ax.figure).draw()
    assert ax.figure.axes[-1].xaxis.get_major_formatter().get_offset() == "2025"
    sc = ts.load_scenario("us-china-145")
    fig = plot_paths({"a": sc.simulate(seed=0)}, dyads=[("US", "CN")], markets=False)
    assert all(ln.get_drawstyle() == "steps-post" for ln in fig.axes[-1].get_lines())
    assert "-0.000" not in repr(sc.simulate(seed=0).breakdown("US"))
    res = ts.tournament.replicator_dynamics([[1, 0], [2, 0.5]], steps=20)
    rax = res.plot()
    canvas = FigureCanvasAgg(rax.figure)
    canvas.draw()
    box = rax.get_legend().get_window_extent(canvas.get_renderer())
    assert box.x0 >= rax.get_window_extent(canvas.get_renderer()).x1


def test_comparing_paths_where_nothing_moved_warns_of_nothing() -> None:
    """With no tariff up in any path, the recession and markets panels drew no line and
    matplotlib warned "No artists with labels found to put in legend"."""
    import warnings

    p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=1)
    assert not p.tariff_dyads()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_paths({"a": p, "b": p}, markets=True)
    assert [ax.get_ylabel() for ax in fig.axes[2:]] == [
        "recession odds (%)", "equity index (% from baseline)"]  # fmt: skip


@pytest.mark.parametrize("name", ["four-country-2025", "us-china-145"])
def test_the_event_list_is_clear_of_the_date_labels(name: str) -> None:
    """Placed at a fraction of a short markets panel, the list ran into its month labels."""
    ax = ts.load_scenario(name).simulate(seed=0).plot()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    panel = min((a for a in fig.axes if a.get_xticklabels()), key=lambda a: a.get_position().y0)
    texts = [t for a in fig.axes for t in a.texts if t.get_text().startswith("events:")]
    assert len(texts) == 1
    dates = [t.get_window_extent(r) for t in panel.get_xticklabels() if t.get_text()]
    assert texts[0].get_window_extent(r).y1 < min(b.y0 for b in dates)


def test_a_dollar_in_a_scenarios_text_is_drawn_as_written(tmp_path) -> None:
    """A "$" in a title or an event label (which files allow) is a dollar sign: matplotlib
    read "$x^$" as math markup and failed when the chart was saved, so `tariffsim run`
    crashed after the run."""
    import matplotlib

    sc = ts.load_scenario("us-china-145")
    sc = sc.replace(title="war $x^$").with_events(
        ts.Event(3, "set", importer="US", exporter="CN", level=0.1, label="a $x^$ deal")
    )
    for fig in (sc.simulate(seed=0, rounds=6).plot().figure,
                ts.ensemble(sc, runs=2, rounds=6, progress=False).plot()):  # fmt: skip
        fig.savefig(tmp_path / "x.png")
        texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
        assert any("$x^$" in t for t in texts)
    assert matplotlib.rcParams["text.parse_math"]  # (the user's setting, unchanged)


class _KernelShell:  # what a Jupyter kernel's shell looks like to the charts
    __module__ = "ipykernel.zmqshell"


def test_a_notebook_is_a_kernel_drawing_with_a_notebook_backend(monkeypatch) -> None:
    import sys
    import types

    from tariffsim.plotting import _in_notebook

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not _in_notebook()  # no IPython at all: a script
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert not _in_notebook()  # IPython imported, no shell
    monkeypatch.setitem(
        sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: _KernelShell())
    )
    monkeypatch.setattr(matplotlib, "get_backend",
                        lambda: "module://matplotlib_inline.backend_inline")  # fmt: skip
    assert _in_notebook()
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    assert not _in_notebook()  # a kernel saving charts with Agg keeps bare figures

    class ColabShell(_KernelShell):  # a kernel's shell of another package, subclassing it
        __module__ = "google.colab._shell"

    monkeypatch.setitem(
        sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: ColabShell())
    )
    monkeypatch.setattr(matplotlib, "get_backend",
                        lambda: "module://matplotlib_inline.backend_inline")  # fmt: skip
    assert _in_notebook()


def test_a_chart_returning_axes_is_shown_in_a_notebook(monkeypatch) -> None:
    import matplotlib.pyplot as plt

    p = ts.load_scenario("us-china-145").simulate(rounds=6, seed=0)
    # outside a notebook: a bare figure, no pyplot state left behind
    assert not plt.fignum_exists(getattr(p.plot().figure, "number", -1))
    monkeypatch.setattr(ts.plotting, "_in_notebook", lambda: True)
    try:  # in a notebook: a pyplot figure, which the notebook shows when the cell ends
        for chart in (p.plot(), p.plot(markets=False), ts.plotting.plot_markets(p)):
            assert plt.fignum_exists(chart.figure.number)
        # a chart that returns its figure stays bare (a notebook shows a returned figure)
        fig = plot_summary(p)
        assert not plt.fignum_exists(getattr(fig, "number", -1))
    finally:
        plt.close("all")


def test_a_chart_within_one_month_names_the_month() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def offset(ax) -> str:
        FigureCanvasAgg(ax.figure).draw()
        return ax.xaxis.get_major_formatter().get_offset()

    daily = ts.load_scenario("reciprocal-pause").simulate(seed=0)  # 2 to 16 April 2025
    assert offset(daily.plot(markets=False)) == "Apr 2025"
    weekly = ts.load_scenario("us-china-145").simulate(seed=0)  # months: the ticks name them
    assert offset(weekly.plot(markets=False)) == "2025"
    assert "2025" in offset(ts.observed.load("us-china-2025").plot())
