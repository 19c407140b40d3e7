"""Parameter paths: parsing, defaults, apply, describe, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import parampath
from tariffsim.payoffs import PARAM_RANGES, PARAM_SOURCES

SC = ts.load_scenario("us-china-145")
GAME = SC.game
PATHS = parampath.paths(GAME)
SETTINGS = settings(max_examples=25, deadline=None)


def test_every_listed_path_parses_and_has_a_default():
    for p in PATHS:
        pp = parampath.parse(p, GAME)
        assert pp.text == p
        try:
            v = parampath.default(GAME, p)
        except ts.ParameterError as e:  # a whole field whose entries differ
            assert "." not in p and "differ" in str(e)
        else:
            assert np.isfinite(v)


def test_describe_cites_the_param_sources():
    for name, claims in PARAM_SOURCES.items():
        info = parampath.describe(name)
        assert info.claims == claims
        assert info.doc, name
        assert name in str(info)


def test_dyad_spellings_agree():
    assert parampath.parse("pass_through.US-CN").text == "pass_through.US.CN"
    assert parampath.parse("truth:pass_through.US-CN").text == "truth:pass_through.US.CN"


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("pass_thru.US.CN", ts.UnknownNameError, ["pass_thru", "pass_through"]),
        ("pass_through.US", ts.ParameterError, ["per dyad"]),
        ("pass_through.US.US", ts.ParameterError, ["two different"]),
        ("pass_through.US.ZZ", ts.UnknownNameError, ["ZZ"]),
        ("elasticity.US", ts.ParameterError, ["single number"]),
        ("belief:noise", ts.ParameterError, ["prefix"]),
        ("truth:learning_rate.US", ts.ParameterError, ["prefix"]),
        ("noise.US", ts.ParameterError, ["noise"]),
        ("maybe:elasticity", ts.ParameterError, ["maybe:"]),
        ("learning_rate.CA", ts.UnknownNameError, ["CA", "agent"]),
        ("face_weight.U S", ts.ParameterError, ["country code"]),
        ("elasticity.", ts.ParameterError, ["elasticity.", "country code"]),  # was 'elasticity'
        ("noise.", ts.ParameterError, ["noise.", "country code"]),
        ("face_weight.US.", ts.ParameterError, ["country code"]),
    ],
)
def test_bad_paths_name_the_path(path, error, words):
    with pytest.raises(error) as e:
        parampath.parse(path, GAME)
    msg = str(e.value)
    assert repr(path) in msg or path in msg
    for w in words:
        assert w in msg


@pytest.mark.parametrize(
    ("path", "value"),
    [("pass_through.US.CN", 1.5), ("recession_base.US", 0.0), ("elasticity", -1.0),
     ("noise", 2.0), ("learning_rate.US", -0.1), ("face_weight.US", float("nan")),
     ("elasticity", float("inf")), ("elasticity", True), ("elasticity", "x"),
     ("approval_base.US", 1.2), ("approval_base.US", -0.1), ("index_beta.US", 1e155),
     ("support_effect", -2e6), ("dependence.US.CN", 1e7)],
)  # fmt: skip
def test_bad_values_raise_before_anything_changes(path, value):
    with pytest.raises(ts.ParameterError) as e:
        parampath.apply(GAME, {path: value})
    assert path in str(e.value)


def test_plain_path_sets_truth_and_every_belief():
    g = parampath.apply(GAME, {"pass_through.US.CN": 0.7})
    assert parampath.default(g, "pass_through.US.CN") == 0.7
    for a in g.agents:
        perceived = a.beliefs.perceived if a.beliefs else g.model.params
        assert perceived.pass_through[0, 1] == 0.7


def test_truth_prefix_leaves_beliefs():
    g = parampath.apply(GAME, {"truth:elasticity": 4.0})
    assert g.model.params.elasticity == 4.0
    for a, a0 in zip(g.agents, GAME.agents, strict=True):
        # CN had no explicit beliefs: it keeps perceiving the old truth
        assert a.beliefs is not None
        assert a.beliefs.perceived.elasticity == GAME.model.params.elasticity
        assert a.beliefs.learning_rate == (a0.beliefs.learning_rate if a0.beliefs else 0.0)


def test_belief_prefix_leaves_truth():
    g = parampath.apply(GAME, {"belief:pass_through.US.CN": 0.3})
    assert g.model.params.pass_through[0, 1] == GAME.model.params.pass_through[0, 1]
    assert parampath.default(g, "belief:pass_through.US.CN") == 0.3
    assert all(a.beliefs.perceived.pass_through[0, 1] == 0.3 for a in g.agents)


def test_later_paths_win_and_game_paths_apply():
    g = parampath.apply(
        GAME, {"face_weight": 1.0, "face_weight.US": 2.0, "noise": 0.1, "learning_rate.CN": 0.4}
    )
    fw = g.model.params.face_weight
    assert fw[0] == 2.0 and np.all(fw[1:] == 1.0)
    assert g.noise == 0.1
    assert parampath.default(g, "learning_rate.CN") == 0.4
    assert parampath.default(g, "learning_rate.US") == 0.1  # unchanged


def test_empty_mapping_is_identity():
    assert parampath.apply(GAME, {}) is GAME
    assert parampath.apply(GAME, None) is GAME


def _value(path: str, u: float) -> float:
    """A value of ``path``'s range, ``u`` of the way across (the middle at an open end)."""
    info = parampath.describe(path)
    lo = 0.0 if info.low is None else info.low
    hi = lo + 3.0 if info.high is None else info.high
    v = lo + u * (hi - lo)
    if (info.low_open and v <= lo) or (info.high_open and v >= hi):
        v = (lo + hi) / 2
    return v


@SETTINGS
@given(
    path=st.sampled_from([p for p in PATHS if p.count(".") >= 1 or p == "noise"]),
    u=st.floats(0, 1),
)
def test_apply_then_default_round_trips(path, u):
    v = _value(path, u)
    g = parampath.apply(GAME, {path: v})
    assert parampath.default(g, path) == v
    # untouched paths keep their defaults
    other = "elasticity" if not path.startswith("elasticity") else "export_margin"
    assert parampath.default(g, other) == parampath.default(GAME, other)


@SETTINGS
@given(path=st.sampled_from(PATHS), prefix=st.sampled_from(["", "truth:", "belief:"]))
def test_prefixes_parse_or_fail_with_a_tariffsim_error(path, prefix):
    try:
        pp = parampath.parse(prefix + path, GAME)
    except ts.TariffsimError as e:
        assert prefix and path.split(".")[0] in ("noise", "learning_rate"), e
    else:
        assert pp.base == path


def test_the_magnitude_bound_is_the_scenario_files():
    from tariffsim import schema

    spec = schema._PARAM_VALUE
    assert (spec.lo, spec.hi) == (-parampath.MAGNITUDE, parampath.MAGNITUDE)
    ok = parampath.apply(GAME, {"index_beta.US": parampath.MAGNITUDE})  # the bound itself is in
    assert float(parampath.default(ok, "index_beta.US")) == parampath.MAGNITUDE


def test_approval_base_is_a_share_in_params_and_scenario_files(tmp_path):
    with pytest.raises(ts.ParameterError, match="`approval_base` must be in \\[0, 1\\]"):
        GAME.model.params.replace(approval_base=np.full(GAME.world.n, 7.5))
    from importlib import resources

    text = (resources.files("tariffsim") / "scenarios" / "us-china-145.toml").read_text()
    assert "\n[params]\n" in text
    f = tmp_path / "s.toml"
    f.write_text(text.replace("\n[params]\n", '\n[params]\n"approval_base.US" = 7.5\n', 1))
    with pytest.raises(ts.errors.TariffsimError, match="approval_base"):
        ts.load_scenario(f)


@pytest.mark.parametrize("name", sorted(PARAM_RANGES))
def test_overrides_and_params_share_each_range(name):
    """A value just outside a field's range is refused by ``Params``, by ``apply`` and by the
    batch's overrides alike, before any run; a value inside it by none of them."""
    low, high, lo_open, hi_open = PARAM_RANGES[name]
    assert low is not None  # every listed range has a lower end
    below = low if lo_open else low - 0.5
    inside = (low + high) / 2 if high is not None else low + 0.5
    game = ts.load_scenario("us-china-145").game
    with pytest.raises(ts.errors.ParameterError, match=name):
        parampath.apply(game, {name: below})
    with pytest.raises(ts.errors.ParameterError, match=name):
        ts.simulate_batch(game, 2, seeds=[0, 1], overrides={name: [inside, below]})
    if high is not None:
        above = high if hi_open else high + 0.5
        with pytest.raises(ts.errors.ParameterError, match=name):
            ts.simulate_batch(game, 2, seeds=[0, 1], overrides={name: [above, inside]})
    pb = ts.simulate_batch(game, 2, seeds=[0, 1], overrides={name: [inside, inside]})
    assert np.isfinite(pb.payoff).all()


def _same_params(a, b) -> bool:
    import dataclasses

    return all(
        np.asarray(getattr(a, f.name)).tobytes() == np.asarray(getattr(b, f.name)).tobytes()
        for f in dataclasses.fields(a)
        if f.name != "calibration"
    )


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from([p for p in PATHS if p.count(".") >= 1 or p == "noise"]),
            st.sampled_from(["", "truth:", "belief:"]),
            st.floats(0, 1),
        ),
        min_size=1,
        max_size=5,
    ),
    scenario=st.sampled_from(["us-china-145", "four-country-2025"]),
    believing=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_apply_at_once_is_apply_path_by_path(steps, scenario, believing):
    import dataclasses

    game = ts.load_scenario(scenario).game
    # agents without beliefs perceive the truth: the paths must treat them as apply does
    game = game.replace(
        agents=tuple(
            a if believing[k % len(believing)] else dataclasses.replace(a, beliefs=None)
            for k, a in enumerate(game.agents)
        )
    )
    mapping = {}
    for path, prefix, u in steps:
        full = path if path.split(".")[0] in ("noise", "learning_rate") else prefix + path
        mapping[full] = _value(path, u)
    at_once = parampath.apply(game, mapping)
    one_by_one = game
    for p, v in mapping.items():
        one_by_one = parampath.apply(one_by_one, {p: v})
    assert at_once.noise == one_by_one.noise
    assert _same_params(at_once.model.params, one_by_one.model.params)
    ma, mb = at_once.model.market, one_by_one.model.market
    assert (ma is None) == (mb is None) and (ma is None or _same_params(ma, mb))
    for a, b in zip(at_once.agents, one_by_one.agents, strict=True):
        assert (a.beliefs is None) == (b.beliefs is None), a.code
        if a.beliefs is not None:
            assert a.beliefs.learning_rate == b.beliefs.learning_rate
            assert _same_params(a.beliefs.perceived, b.beliefs.perceived), a.code


def test_parameter_docs_are_plain_text_one_per_name() -> None:
    """The docs that files carry (an ensemble's ``param_doc``, ``show``) held Sphinx markup
    (``:func:`~...```, double backquotes), and the three approval fields one shared text
    whose three units could not be told apart."""
    import re

    paths = ("approval_base.US", "approval_price.US", "approval_market.US",
             "recession_base.US", "elasticity", "pass_through.US.CN")  # fmt: skip
    docs = {p.split(".")[0]: parampath.describe(p).doc for p in paths}
    for name, doc in docs.items():
        assert doc and not re.search(r"`|:[a-z]+:", doc), (name, doc)
    assert docs["approval_base"] == "Approval (fraction) at free trade."
    assert docs["approval_price"] == "Fraction lost per % GDP of price pain."
    assert docs["approval_market"] == "Fraction lost per index % of drawdown."
