"""Bad input raises a TariffsimError that names the field and the value."""

import textwrap
from contextlib import contextmanager

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.errors import (
    ParameterError,
    ScenarioError,
    TariffsimError,
    UnknownNameError,
)

BAD_TARIFFS = [-0.1, float("nan"), float("inf"), float("-inf")]


@pytest.fixture(scope="module")
def world():
    return ts.World.default()


@contextmanager
def raises(exc_type, *needles):
    """pytest.raises that also checks the error is a TariffsimError naming every needle."""
    with pytest.raises(exc_type) as info:
        yield info
    assert isinstance(info.value, TariffsimError)
    msg = str(info.value)
    for n in needles:
        assert n in msg, f"{n!r} not in {msg!r}"


BASE = """\
format = 1
name = "test"

[calendar]
start = 2025-01-27
rounds = 3
"""


def write(tmp_path, body, name="s.toml"):
    p = tmp_path / name
    p.write_text(BASE + textwrap.dedent(body), encoding="utf-8")
    return p


# -- unknown names ---------------------------------------------------------------------------
def test_unknown_country(world):
    with raises(UnknownNameError, "'XX'", "US", "CN", "AU"):
        world.index("XX")


def test_unknown_country_in_event(world):
    ev = ts.Event(1, "shock", country="XX", value=-1.0)
    with raises(UnknownNameError, "'XX'", "US, CN"):
        ts.Game(world, ts.PayoffModel(world), events=(ev,))


def test_unknown_country_in_agent(world):
    with raises(UnknownNameError, "'XX'"):
        ts.Game(world, ts.PayoffModel(world), agents=(ts.Agent("XX"),))


def test_unknown_scenario_name():
    with raises(UnknownNameError, "'no-such-scenario'", "us-china-145"):
        ts.load_scenario("no-such-scenario")


def test_unknown_scenario_file(tmp_path):
    with raises(UnknownNameError, "missing.toml"):
        ts.load_scenario(tmp_path / "missing.toml")


def test_unknown_strategy():
    with raises(UnknownNameError, "'tit-for-two'", "tit-for-tat", "myopic"):
        ts.make_strategy("tit-for-two")


def test_unknown_country_in_scenario(tmp_path):
    p = write(
        tmp_path,
        """
        [[agents]]
        country = "XX"
        strategy = "hold"
        """,
    )
    with raises(ScenarioError, "agents[0].country", "'XX'", "US"):
        ts.load_scenario(p)


# -- tariffs: negative, NaN, infinite ----------------------------------------------------------
@pytest.mark.parametrize("bad", BAD_TARIFFS)
def test_state_rejects_bad_tariff(bad):
    t = np.zeros((2, 2))
    t[0, 1] = bad
    with raises(ParameterError, "`tariff`", repr(bad)):
        ts.State(t)


@pytest.mark.parametrize("bad", BAD_TARIFFS)
def test_state_with_tariff_rejects_bad_tariff(world, bad):
    with raises(ParameterError, "tariff[US, CN]", repr(bad)):
        ts.State.zeros(world.n).with_tariff(world, "US", "CN", bad)


@pytest.mark.parametrize("bad", BAD_TARIFFS)
def test_event_rejects_bad_level(bad):
    with raises(ParameterError, "`level`", repr(bad)):
        ts.Event(1, "set", importer="US", exporter="CN", level=bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_event_rejects_bad_value(bad):
    with raises(ParameterError, "`value`", repr(bad)):
        ts.Event(1, "shock", country="US", value=bad)


def test_event_level_must_be_on_the_ladder(world):
    ev = ts.Event(1, "set", importer="US", exporter="CN", level=0.6, label="odd level")
    with raises(ParameterError, "0.6", "ladder"):
        ts.Game(world, ts.PayoffModel(world), events=(ev,))


@pytest.mark.parametrize(
    ("toml_value", "shown"), [("-0.1", "-0.1"), ("nan", "nan"), ("inf", "inf")]
)
def test_scenario_initial_tariff(tmp_path, toml_value, shown):
    p = write(tmp_path, f'[initial.tariffs]\n"US-CN" = {toml_value}\n')
    with raises(ScenarioError, "initial.tariffs.US-CN", shown):
        ts.load_scenario(p)


@pytest.mark.parametrize(
    ("toml_value", "shown"), [("-0.1", "-0.1"), ("nan", "nan"), ("inf", "inf")]
)
def test_scenario_event_level(tmp_path, toml_value, shown):
    body = f"""
    [[events]]
    round = 1
    kind = "set"
    dyad = "US-CN"
    level = {toml_value}
    """
    with raises(ScenarioError, "events[0].level", shown):
        ts.load_scenario(write(tmp_path, body))


# -- ladders ---------------------------------------------------------------------------------
def test_unsorted_ladder():
    with raises(ParameterError, "`levels`", "strictly increasing", "(0.0, 0.3, 0.2)"):
        ts.Ladder((0, 0.3, 0.2))


def test_unsorted_ladder_in_scenario(tmp_path):
    p = write(tmp_path, '[world.ladders]\n"US-CN" = [0.0, 0.3, 0.2]\n')
    with raises(ScenarioError, "world.ladders.US-CN", "strictly increasing", "0.3"):
        ts.load_scenario(p)


# -- GDP and trade -----------------------------------------------------------------------------
@pytest.mark.parametrize("gdp", [0, -3, 0.0])
def test_non_positive_gdp(gdp):
    with raises(ParameterError, "countries.US.gdp", f"got {gdp!r}"):
        ts.Country("US", gdp)


def test_non_positive_gdp_in_scenario_file(tmp_path):
    p = write(tmp_path, "[world.gdp]\nUS = -3\n")
    with raises(ScenarioError, "world.gdp.US: must be a finite number in [0.001, 1000]; got -3"):
        ts.load_scenario(p)


def test_negative_trade(world):
    imp = np.array(world.imports)
    imp[world.index("CA"), world.index("MX")] = -2.0
    with raises(ParameterError, "imports[CA, MX]", "-2.0"):
        world.replace(imports=imp)


def test_negative_trade_in_scenario(tmp_path):
    p = write(tmp_path, '[world.imports]\n"US-CN" = -5\n')
    with raises(ScenarioError, "world.imports.US-CN", "-5"):
        ts.load_scenario(p)


# -- weights -----------------------------------------------------------------------------------
def test_weight_of_wrong_shape(world):
    bad = np.ones((len(ts.TERMS) - 1, world.n))
    with raises(ParameterError, "`weights`", str(bad.shape), f"({len(ts.TERMS)}, {world.n})"):
        ts.PayoffModel(world, weights=bad)


def test_weight_not_finite(world):
    w = np.ones((len(ts.TERMS), world.n))
    w[0, 0] = np.nan
    with raises(ParameterError, "`weights`", "nan"):
        ts.PayoffModel(world, weights=w)


def test_unknown_weight_term_in_scenario(tmp_path):
    p = write(tmp_path, '[weights]\n"fame.US" = 2.0\n')
    with raises(ScenarioError, "weights.fame.US", "'fame'"):
        ts.load_scenario(p)


# -- whole scenarios ---------------------------------------------------------------------------
def test_scenario_reports_every_problem(tmp_path):
    text = BASE.replace('name = "test"', 'name = "test"\nclaims = ["no_such_claim"]') + (
        "[world.gdp]\nUS = -3\n"
        '[world.imports]\n"US-CN" = -5\n'
        '[initial.tariffs]\n"US-CN" = nan\n'
        '[[agents]]\ncountry = "US"\nstrategy = "tit-for-two"\n'
    )
    p = tmp_path / "many.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        ts.load_scenario(p)
    err = exc.value
    want = [
        "claims[0]",
        "world.gdp.US: must be a finite number in [0.001, 1000]; got -3",
        "world.imports.US-CN",
        "initial.tariffs.US-CN",
        "agents[0].strategy",
    ]
    assert len(err.problems) == len(want), err.problems
    for w in want:
        assert any(w in prob for prob in err.problems), (w, err.problems)
        assert w in str(err)
    assert f"{len(want)} problems" in str(err)
    assert isinstance(err, ValueError)


def test_malformed_toml_names_the_line(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text(BASE + "\n[[events]]\nround = 1\nkind = set\n", encoding="utf-8")
    lines = p.read_text().splitlines()
    bad_line = lines.index("kind = set") + 1
    with raises(ScenarioError, "malformed TOML", f"line {bad_line}", "broken.toml"):
        ts.load_scenario(p)


def test_parse_scenario_reports_path_of_mapping():
    with raises(ScenarioError, "noise", "1.5"):
        ts.parse_scenario({"format": 1, "name": "x", "noise": 1.5})


# -- errors are also builtin errors ---------------------------------------------------------------
def test_error_hierarchy():
    assert issubclass(ParameterError, ValueError)
    assert issubclass(ScenarioError, ValueError)
    assert issubclass(UnknownNameError, KeyError)
    for cls in (ParameterError, ScenarioError, UnknownNameError):
        assert issubclass(cls, TariffsimError)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ts.load_scenario("us-china-145").game,
        lambda: ts.Params.default(ts.World.default()),
        lambda: ts.PayoffModel(ts.World.default()),
        lambda: ts.World.default(),
        lambda: ts.State.zeros(ts.World.default().n),
    ],
    ids=["Game", "Params", "PayoffModel", "World", "State"],
)
def test_replace_with_a_field_that_does_not_exist_names_it(make) -> None:
    # a typo (game.replace(nosie=0.05)) was a bare TypeError from the dataclass' __init__
    obj = make()
    with pytest.raises(ts.errors.ParameterError, match=r"has no field 'nosie'") as info:
        obj.replace(nosie=0.05)
    assert type(obj).__name__ in str(info.value)
    if isinstance(obj, ts.Game):
        assert "did you mean noise?" in str(info.value)
        assert obj.replace(noise=0.05).noise == 0.05


def test_a_state_shows_in_one_line_in_errors_and_results() -> None:
    # the dataclass repr printed a dozen 10 x 10 arrays: a wrong-size state's error ran to
    # 40 lines, and a coalition bargain's result to 12,000 characters
    w = ts.World.default()
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    assert repr(s) == "State(10 countries; tariffs [0, 1]=1.45, [1, 0]=1.4; no export controls)"
    with pytest.raises(ts.errors.ParameterError) as info:
        ts.equilibrium.stage_game(ts.load_scenario("us-china-145").game, ts.State.zeros(4))
    assert "\n" not in str(info.value) and "State(4 countries; free trade" in str(info.value)
    from tariffsim import bargaining as bg

    game = ts.load_scenario("canada-mexico-fentanyl").game
    r = bg.coalition_bargain(game, "US", ("CA", "MX"), ts.State.zeros(w.n))
    assert len(repr(r)) < 2000 and "array(" not in repr(r)


def test_a_refused_ladder_is_said_once_not_again_by_what_uses_it() -> None:
    """An unsorted ladder was one problem and, again, 'no tariff ladder' under every agent and
    demand that used it."""
    import tomllib

    from tariffsim.errors import ScenarioError

    text = ('format = 1\nname = "x"\n[[agents]]\ncountry = "US"\nstrategy = "tit-for-tat"\n'
            'targets = ["JP"]\n[world.ladders]\n"US-JP" = [0.24, 0.1, 0.0]\n')  # fmt: skip
    with pytest.raises(ScenarioError) as err:
        ts.parse_scenario(tomllib.loads(text))
    assert err.value.problems == [
        "world.ladders.US-JP: `levels` must be strictly increasing; got (0.24, 0.1, 0.0)."
    ]
    other = text.replace('targets = ["JP"]', 'targets = ["JP", "KR"]')  # KR: no ladder at all
    with pytest.raises(ScenarioError) as err:
        ts.parse_scenario(tomllib.loads(other))
    assert err.value.problems[1] == (
        "agents[0].targets: no tariff ladder for US-JP, US-KR; add the ladders to [world.ladders]"
    )


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"kind": "shock", "value": -5}, "a 'shock' event needs a country"),
        ({"kind": "support", "value": 1}, "a 'support' event needs a country"),
        ({"kind": "control", "level": 0.5}, "a 'control' event needs an importer and exporter"),
        ({"kind": "set", "importer": "US", "exporter": "CN", "level": "0.1"},
         "event `level` must be a finite number; got '0.1'"),
        ({"kind": "summit", "label": 5}, "event `label` must be a str; got 5"),
        ({"kind": "shock", "country": "US", "value": -1e300},
         r"event `value` must lie in \[-100, 100\]"),
        ({"kind": "control", "importer": "US", "exporter": "US", "level": 0.5},
         "importer and exporter must differ"),
        ({"kind": "set", "importer": "US", "exporter": "CN", "level": 10**400},
         "event `level` must be a finite number"),
    ],
)  # fmt: skip
def test_an_event_made_in_python_is_checked_as_a_files(kw: dict[str, object], says: str) -> None:
    """As a scenario file's: before, a shock without a country failed in the round it fired
    (KeyError: ''), a level given as text with a TypeError, a shock of -1e300 after the
    whole run (an infinite payoff)."""
    with pytest.raises(ts.ParameterError, match=says):
        ts.Event(1, **kw)


def test_a_scenario_refuses_a_seed_and_an_rng_together() -> None:
    """As ts.simulate does (the seed was ignored silently: meta['seed'] None)."""
    sc = ts.load_scenario("us-china-145")
    with pytest.raises(ts.ParameterError, match="give `seed` or `rng`, not both"):
        sc.simulate(seed=5, rng=np.random.default_rng(1), rounds=2)
    assert sc.simulate(rounds=2).meta["seed"] == 0


def test_a_batch_beyond_the_memory_limit_is_refused_before_its_seeds_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty million seeds were each checked (over a minute) before the limit said no."""
    from tariffsim import engine

    def read(seeds: object) -> None:
        raise AssertionError("the seeds were read before the limit was checked")

    monkeypatch.setattr(engine, "check_seeds", read)
    g = ts.load_scenario("us-china-145").game
    with pytest.raises(ts.LimitError, match=r"a batch of 20000000 runs.*max_result_bytes"):
        ts.simulate_batch(g, 2, seeds=range(2 * 10**7), record="compact")


def test_path_and_what_if_arguments_are_named() -> None:
    """A dyad spelt "US-CN" alone is one dyad to a path's table and CSV; a width that is no
    int, a title that is no text and what-ifs given as a list are refused by name (before:
    ValueError: not enough values to unpack, TypeError)."""
    import matplotlib

    matplotlib.use("Agg")
    sc = ts.load_scenario("us-china-145")
    p = sc.simulate(seed=0, rounds=3)
    want = p.table(dyads=[("US", "CN")])
    assert p.table(dyads="US-CN") == p.table(dyads=("US", "CN")) == want
    assert p.to_csv(dyads="US->CN") == p.to_csv(dyads=[("US", "CN")])
    for call, says in (
        (lambda: p.table(width="100"), "`width` must be an int >= 20; got '100'"),
        (lambda: p.table(dyads="US-XX"), "unknown country 'XX'"),
        (lambda: p.plot(title=5), "`title` must be a str or None; got 5"),
        (lambda: sc.with_params([("face_weight", 0.3)]), "give a mapping of parameter paths"),
    ):
        with pytest.raises(ts.TariffsimError, match=says):
            call()


def test_a_state_names_a_bad_array() -> None:
    """Text for a tariff matrix, a peak of another shape and a tariff of 5000% are refused
    by field (before: numpy's ValueError, a broadcast error, accepted)."""
    z = np.zeros((10, 10))
    for kw, says in (({"tariff": "abc"}, "`tariff` must be numeric"),
                     ({"tariff": z, "peak": np.zeros(3)}, r"`peak` must have shape \(10, 10\)"),
                     ({"tariff": z + 50}, r"`tariff` must be at most 10 \(1000%\)"),
                     ({"tariff": np.full((3, 3), 10**400)}, "must be numeric")):  # fmt: skip
        with pytest.raises(ts.ParameterError, match=says):
            ts.State(**kw)
