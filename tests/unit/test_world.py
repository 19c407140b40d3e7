"""Unit tests for tariffsim.world: ladders, the default world, states and moves."""

import dataclasses
import math
import re

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.errors import ParameterError, TariffsimError, UnknownNameError
from tariffsim.world import PLAYERS, THIRD_PARTIES


@pytest.fixture(scope="module")
def world():
    return ts.World.default()


def toy_world(**changes):
    """Three countries with hand-picked trade and ties."""
    kw = dict(
        countries=(
            ts.Country("AA", 1.0),
            ts.Country("BB", 2.0),
            ts.Country("CC", 0.5, player=False),
        ),
        imports=[[0, 10, 0], [5, 0, 2], [0, 0, 0]],
        ties=[[0, 0.5, 0], [0.5, 0, 0.25], [0, 0.25, 0]],
        exempt=np.zeros((3, 3)),
        ladders={("AA", "BB"): (0, 0.1, 0.2), ("BB", "AA"): (0, 0.5)},
    )
    kw.update(changes)
    return ts.World(**kw)


# -- Ladder --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("levels", "needle"),
    [
        ((0, 0.2, 0.1), "strictly increasing"),
        ((0, 0.1, 0.1), "strictly increasing"),
        ((0, -0.1, 0.2), "-0.1"),
        ((0, float("nan")), "nan"),
        ((0, float("inf")), "inf"),
        ((), "()"),
    ],
)
def test_ladder_rejects_bad_levels(levels, needle):
    with pytest.raises(ParameterError, match="`levels`") as exc:
        ts.Ladder(levels)
    assert needle in str(exc.value)


def test_ladder_unsorted_message_shows_the_levels():
    with pytest.raises(ParameterError) as exc:
        ts.Ladder((0, 0.2, 0.1))
    assert "(0.0, 0.2, 0.1)" in str(exc.value)


def test_ladder_levels_are_floats():
    lad = ts.Ladder((0, 1, 2))
    assert lad.levels == (0.0, 1.0, 2.0)
    assert all(type(x) is float for x in lad.levels)
    assert len(lad) == 3


@pytest.mark.parametrize(
    ("level", "move", "expected"),
    [
        (0.0, +1, 0.1),
        (0.1, +1, 0.2),
        (0.34, +1, 0.34),  # top rung holds
        (0.0, -1, 0.0),  # bottom rung holds
        (0.2, -1, 0.1),
        (0.2, 0, 0.2),
        (0.30, 0, 0.30),  # an off-ladder level is kept by a hold
        (0.30, -1, 0.2),  # a cut goes to the rung below
        (0.30, +1, 0.34),  # an escalation goes to the rung above
        (2.0, +1, 2.0),  # above the top: an escalation holds
        (2.0, 0, 2.0),
        (2.0, -1, 0.34),  # above the top: a cut goes to the top rung
    ],
)
def test_ladder_step(level, move, expected):
    lad = ts.Ladder((0, 0.1, 0.2, 0.34))
    assert lad.step(level, move) == pytest.approx(expected, abs=1e-12)


def test_ladder_step_within_tolerance_counts_as_rung():
    lad = ts.Ladder((0, 0.1, 0.2))
    assert lad.step(0.1 + 1e-12, +1) == 0.2
    assert lad.contains(0.2 - 1e-12)
    assert not lad.contains(0.15)


def test_ladder_index_and_floor_index():
    lad = ts.Ladder((0, 0.1, 0.2, 0.34))
    assert lad.index(0.34) == 3
    assert lad.floor_index(0.25) == 2
    assert lad.floor_index(0.0) == 0
    assert lad.floor_index(5.0) == 3
    with pytest.raises(ParameterError, match=r"0\.25"):
        lad.index(0.25)


def test_ladder_cut_never_raises_a_level_below_the_bottom_rung():
    # A ladder that does not start at zero (allowed in a scenario's
    # [world.ladders]) and a tariff below its bottom rung (the default
    # free-trade start): a cut must not raise the tariff.
    lad = ts.Ladder((0.1, 0.2))
    assert lad.step(0.0, -1) <= 0.0
    assert lad.step(0.05, -1) <= 0.05


def test_ladder_escalation_below_the_bottom_rung_lands_on_the_first_rung():
    lad = ts.Ladder((0.1, 0.2))
    assert lad.step(0.0, +1) == 0.1


# -- World.default ----------------------------------------------------------------------
def test_default_codes_players_and_third_parties(world):
    assert world.codes[:4] == ("US", "CN", "CA", "MX")
    assert world.players == ("US", "CN", "CA", "MX")
    third = [c.code for c in world.countries if not c.player]
    assert len(third) >= 6
    assert set(third) >= {"JP", "KR", "EU", "IN", "BR", "AU"}
    assert PLAYERS == ("US", "CN", "CA", "MX")
    assert set(THIRD_PARTIES) == set(third)
    assert world.n == len(world.codes) == len(set(world.codes))


def test_default_gdp_equals_claim(world):
    claim = ts.claims["gdp_2024"]
    order = ("US", "CN", "JP", "IN", "BR", "CA", "MX", "AU", "KR", "EU")
    assert "US, CN, JP, IN, BR, CA, MX, AU, KR, EU" in claim.unit  # the order the test assumes
    for code, value in zip(order, claim.values, strict=True):
        assert world.gdp[world.index(code)] == value
        assert world.country(code).gdp == value


@pytest.mark.parametrize(
    ("partner", "cid"),
    [("CN", "trade_us_cn_2024"), ("CA", "trade_us_ca_2024"), ("MX", "trade_us_mx_2024")],
)
def test_default_us_trade_equals_claim(world, partner, cid):
    us_exports, us_imports = ts.claims[cid].values  # unit: exports to, imports from
    us, p = world.index("US"), world.index(partner)
    assert world.imports[us, p] == us_imports
    assert world.imports[p, us] == us_exports


def test_default_trade_us_cn_example(world):
    assert (
        world.imports[world.index("US"), world.index("CN")]
        == (ts.claims["trade_us_cn_2024"].values[1])
    )


@pytest.mark.parametrize(("c", "cid"), [("MX", "trade_mx_cn_2024"), ("CA", "trade_ca_cn_2024")])
def test_default_china_trade_equals_claim(world, c, cid):
    imports_from_cn, exports_to_cn = ts.claims[cid].values
    assert world.imports[world.index(c), world.index("CN")] == imports_from_cn
    assert world.imports[world.index("CN"), world.index(c)] == exports_to_cn


def test_default_ca_mx_trade_equals_claim(world):
    ca_from_mx, ca_to_mx = ts.claims["trade_ca_mx_2024"].values
    assert world.imports[world.index("CA"), world.index("MX")] == ca_from_mx
    assert world.imports[world.index("MX"), world.index("CA")] == ca_to_mx


def test_default_third_party_trade_equals_claim(world):
    v = ts.claims["trade_third_parties_2024"].values
    us, cn = world.index("US"), world.index("CN")
    for k, x in enumerate(("JP", "KR", "EU", "IN", "BR", "AU")):
        j = world.index(x)
        assert world.imports[us, j] == v[4 * k]
        assert world.imports[j, us] == v[4 * k + 1]
        assert world.imports[j, cn] == v[4 * k + 2]
        assert world.imports[cn, j] == v[4 * k + 3]


def test_default_imports_zero_diagonal_and_non_negative(world):
    assert np.all(np.diag(world.imports) == 0)
    assert np.all(world.imports >= 0)


def test_default_ties_symmetric_in_unit_interval(world):
    assert np.array_equal(world.ties, world.ties.T)
    assert np.all((world.ties >= 0) & (world.ties <= 1))
    assert np.all(np.diag(world.ties) == 0)


def test_default_ladders(world):
    # fentanyl 10, 20; then the reciprocal layer: (10 truce rung), 34, 84, 125 on top of 20
    assert world.ladders[("US", "CN")].levels == (0.0, 0.10, 0.20, 0.30, 0.54, 1.04, 1.45)
    assert world.ladders[("US", "CN")].down_only == (0.30,)
    # China: the targeted lists (10, 15), then 125 on all US goods on top
    assert world.ladders[("CN", "US")].levels[-1] == 1.40
    assert world.ladders[("US", "CA")].levels == (0.0, 0.10, 0.25)
    assert set(world.dyads) == {
        ("US", "CN"),
        ("CN", "US"),
        ("US", "CA"),
        ("CA", "US"),
        ("US", "MX"),
        ("MX", "US"),
    }


# -- USMCA and effective rates -------------------------------------------------------------
def test_usmca_exempt_share(world):
    share = (85.0 + 90.0) / 2 / 100  # mean of the claim's 85-90%
    assert tuple(ts.claims["usmca_exempt_share"].values) == (85.0, 90.0)
    na = ("US", "CA", "MX")
    for a in world.codes:
        for b in world.codes:
            want = share if (a in na and b in na and a != b) else 0.0
            assert world.exempt[world.index(a), world.index(b)] == pytest.approx(want, abs=1e-15)


def test_effective_rate_us_ca(world):
    t = np.zeros((world.n, world.n))
    us, ca, cn = world.index("US"), world.index("CA"), world.index("CN")
    t[us, ca] = 0.25
    t[us, cn] = 1.45
    eff = world.effective(t)
    assert eff[us, ca] == pytest.approx(0.25 * (1 - 0.875), abs=1e-15)
    assert eff[us, ca] == pytest.approx(0.03125, abs=1e-15)
    assert eff[us, cn] == 1.45  # no exemption outside USMCA


def test_effective_rate_works_on_a_batch(world):
    t = np.zeros((2, world.n, world.n))
    us, mx = world.index("US"), world.index("MX")
    t[0, us, mx], t[1, us, mx] = 0.25, 0.10
    eff = world.effective(t)
    assert eff.shape == (2, world.n, world.n)
    np.testing.assert_allclose(eff[:, us, mx], [0.03125, 0.0125], rtol=0, atol=1e-15)


def test_headline_and_effective_on_a_simulated_path(world):
    model = ts.PayoffModel(world)
    ev = ts.Event(1, "set", importer="US", exporter="CA", level=0.25, label="US 25% on Canada")
    path = ts.Game(world, model, events=(ev,), rounds=3).simulate(seed=0)
    us, ca = world.index("US"), world.index("CA")
    assert path.tariff[0, us, ca] == 0.0
    np.testing.assert_array_equal(path.tariff[1:, us, ca], [0.25, 0.25, 0.25])
    np.testing.assert_allclose(path.effective[1:, us, ca], 0.03125, rtol=0, atol=1e-15)
    np.testing.assert_allclose(path.series("US", "CA", effective=True)[1], 0.03125, atol=1e-15)
    assert path.series("US", "CA")[1] == 0.25


# -- graphs ------------------------------------------------------------------------------
def test_trade_graph_edges_and_weights():
    g = toy_world().trade_graph()
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == {"AA", "BB", "CC"}
    # an edge exporter -> importer, weighted by the importer's imports
    assert {(a, b): d["weight"] for a, b, d in g.edges(data=True)} == {
        ("BB", "AA"): 10.0,
        ("AA", "BB"): 5.0,
        ("CC", "BB"): 2.0,
    }
    assert g.nodes["BB"]["gdp"] == 2.0
    assert g.nodes["CC"]["player"] is False


def test_tie_graph_edges_and_weights():
    g = toy_world().tie_graph()
    assert isinstance(g, nx.Graph) and not g.is_directed()
    assert g.number_of_edges() == 2
    assert g["AA"]["BB"]["weight"] == 0.5
    assert g["CC"]["BB"]["weight"] == 0.25
    assert not g.has_edge("AA", "CC")


def test_default_trade_graph_matches_imports(world):
    g = world.trade_graph()
    assert g.number_of_edges() == int(np.count_nonzero(world.imports))
    assert g["CN"]["US"]["weight"] == ts.claims["trade_us_cn_2024"].values[1]
    assert g["US"]["CN"]["weight"] == ts.claims["trade_us_cn_2024"].values[0]
    assert g["CA"]["US"]["exempt"] == pytest.approx(0.875)


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("gdp", [0, -3, -0.5, float("nan"), float("inf")])
def test_country_rejects_non_positive_gdp(gdp):
    with pytest.raises(ParameterError, match=r"countries\.US\.gdp") as exc:
        ts.Country("US", gdp)
    assert repr(gdp) in str(exc.value)


def test_country_gdp_message():
    with pytest.raises(ParameterError) as exc:
        ts.Country("US", -3)
    assert "countries.US.gdp: must be > 0, got -3" in str(exc.value)


def test_world_rejects_negative_trade():
    imp = np.array([[0, 10, 0], [-4.0, 0, 2], [0, 0, 0]])
    with pytest.raises(ParameterError) as exc:
        toy_world(imports=imp)
    msg = str(exc.value)
    assert "imports[BB, AA]" in msg and "-4.0" in msg


@pytest.mark.parametrize("bad", [1.5, -0.2])
def test_world_rejects_ties_outside_unit_interval(bad):
    ties = np.array([[0, 0.5, 0], [0.5, 0, bad], [0, bad, 0]])
    with pytest.raises(ParameterError) as exc:
        toy_world(ties=ties)
    assert "ties[" in str(exc.value) and repr(bad) in str(exc.value)


def test_world_rejects_asymmetric_ties():
    with pytest.raises(ParameterError, match="symmetric"):
        toy_world(ties=[[0, 0.5, 0], [0.4, 0, 0], [0, 0, 0]])


def test_world_rejects_self_ties():
    # ties must have a zero diagonal (a country is not its own ally): a
    # non-zero diagonal would enter alliance_strain through (W @ W)[i, j].
    ties = np.array([[0.3, 0.5, 0], [0.5, 0, 0.25], [0, 0.25, 0]])
    with pytest.raises(ParameterError, match="ties"):
        toy_world(ties=ties)


def test_world_rejects_self_trade():
    with pytest.raises(ParameterError, match="diagonal"):
        toy_world(imports=[[1, 10, 0], [5, 0, 2], [0, 0, 0]])


@pytest.mark.parametrize("name", ["imports", "ties", "exempt"])
def test_world_rejects_wrong_shapes(name):
    with pytest.raises(ParameterError) as exc:
        toy_world(**{name: np.zeros((2, 2))})
    assert f"`{name}`" in str(exc.value)
    assert "(3, 3)" in str(exc.value) and "(2, 2)" in str(exc.value)


def test_world_rejects_exempt_outside_unit_interval():
    ex = np.zeros((3, 3))
    ex[0, 1] = 1.2
    with pytest.raises(ParameterError, match=r"exempt\[AA, BB\].*1\.2"):
        toy_world(exempt=ex)


def test_world_rejects_duplicate_codes():
    cs = (ts.Country("AA", 1.0), ts.Country("AA", 2.0), ts.Country("CC", 1.0))
    with pytest.raises(ParameterError, match="AA"):
        toy_world(countries=cs)


def test_world_rejects_ladder_on_unknown_country():
    with pytest.raises(UnknownNameError) as exc:
        toy_world(ladders={("AA", "ZZ"): (0, 0.1)})
    msg = str(exc.value)
    assert "'ZZ'" in msg and "AA, BB, CC" in msg


def test_unknown_country_code_lists_known(world):
    with pytest.raises(UnknownNameError) as exc:
        world.index("XX")
    msg = str(exc.value)
    assert "'XX'" in msg
    for code in world.codes:
        assert code in msg
    assert isinstance(exc.value, TariffsimError) and isinstance(exc.value, KeyError)


def test_unknown_country_in_with_tariff(world):
    with pytest.raises(UnknownNameError, match="'XX'"):
        ts.State.zeros(world.n).with_tariff(world, "US", "XX", 0.1)


# -- State -------------------------------------------------------------------------------
def test_state_arrays_are_read_only():
    s = ts.State.zeros(3)
    for f in dataclasses.fields(s):
        arr = getattr(s, f.name)
        assert not arr.flags.writeable, f.name
        with pytest.raises(ValueError):
            arr[0] = 1.0


def test_state_copies_its_input():
    t = np.zeros((2, 2))
    s = ts.State(t)
    t[0, 1] = 5.0
    assert s.tariff[0, 1] == 0.0


def test_state_is_frozen():
    s = ts.State.zeros(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.tariff = np.ones((2, 2))


def test_state_defaults():
    t = np.array([[0, 0.3], [0.1, 0]])
    s = ts.State(t)
    np.testing.assert_array_equal(s.peak, t)
    np.testing.assert_array_equal(s.moved, np.zeros((2, 2)))
    np.testing.assert_array_equal(s.control, np.zeros((2, 2)))
    np.testing.assert_array_equal(s.support, np.zeros(2))
    np.testing.assert_array_equal(s.shock, np.zeros(2))


def test_state_peak_is_at_least_tariff():
    s = ts.State(np.array([[0, 0.3], [0.1, 0]]), peak=np.array([[0, 0.5], [0, 0]]))
    np.testing.assert_array_equal(s.peak, [[0, 0.5], [0.1, 0]])


def test_state_with_tariff_updates_peak(world):
    s = ts.State.zeros(world.n).with_tariff(world, "US", "CN", 1.45)
    s = s.with_tariff(world, "US", "CN", 0.3)
    us, cn = world.index("US"), world.index("CN")
    assert s.tariff[us, cn] == 0.3
    assert s.peak[us, cn] == 1.45


def test_state_equality_and_hash():
    a = ts.State(np.array([[0, 0.3], [0.1, 0]]))
    b = ts.State(np.array([[0, 0.3], [0.1, 0]]))
    c = ts.State(np.array([[0, 0.2], [0.1, 0]]))
    assert a == b and hash(a) == hash(b)
    assert a != c


# -- apply_moves -------------------------------------------------------------------------
def test_apply_moves_steps_and_tracks_peak_and_moved(world):
    us, cn = world.index("US"), world.index("CN")
    s0 = ts.State.zeros(world.n)
    s1 = ts.apply_moves(world, s0, {("US", "CN"): +1})
    s2 = ts.apply_moves(world, s1, {("US", "CN"): +1, ("CN", "US"): +1})
    s3 = ts.apply_moves(world, s2, {("US", "CN"): -1})
    assert (s1.tariff[us, cn], s2.tariff[us, cn], s3.tariff[us, cn]) == (0.1, 0.2, 0.1)
    assert s2.tariff[cn, us] == 0.1 and s3.tariff[cn, us] == 0.1
    # peak is the running maximum
    assert (s1.peak[us, cn], s2.peak[us, cn], s3.peak[us, cn]) == (0.1, 0.2, 0.2)
    # moved is the signed size of the change this round
    assert s1.moved[us, cn] == pytest.approx(0.1, abs=1e-15)
    assert s3.moved[us, cn] == pytest.approx(-0.1, abs=1e-15)
    assert s3.moved[cn, us] == 0.0  # CN held in round 3
    assert s2.moved[cn, us] == pytest.approx(0.1, abs=1e-15)
    # every other entry is untouched
    mask = np.ones((world.n, world.n), dtype=bool)
    mask[us, cn] = mask[cn, us] = False
    assert np.all(s3.tariff[mask] == 0) and np.all(s3.moved[mask] == 0)


def test_apply_moves_does_not_mutate_its_input(world):
    s0 = ts.State.zeros(world.n)
    ts.apply_moves(world, s0, {("US", "CN"): +1})
    assert np.all(s0.tariff == 0)


def test_apply_moves_accepts_pairs_and_resets_shock(world):
    cn = world.index("CN")
    s0 = ts.State.zeros(world.n).replace(
        shock=np.full(world.n, -2.0), support=np.arange(world.n, dtype=float)
    )
    s1 = ts.apply_moves(world, s0, [(("US", "MX"), 1), (("US", "MX"), 1)])
    assert s1.tariff[world.index("US"), world.index("MX")] == 0.25
    np.testing.assert_array_equal(s1.shock, np.zeros(world.n))
    np.testing.assert_array_equal(s1.support, np.arange(world.n))
    assert s1.support[cn] == cn


def test_apply_moves_export_controls(world):
    s = ts.apply_moves(world, ts.State.zeros(world.n), {}, controls={("CN", "US"): +1})
    assert s.control[world.index("CN"), world.index("US")] == 0.25
    with pytest.raises(ParameterError, match=r"controls\[US, CN\]"):
        ts.apply_moves(world, s, {}, controls={("US", "CN"): +1})


def test_apply_moves_unknown_dyad(world):
    with pytest.raises(ParameterError) as exc:
        ts.apply_moves(world, ts.State.zeros(world.n), {("JP", "US"): 1})
    assert "moves[JP, US]" in str(exc.value) and "ladder" in str(exc.value)


@pytest.mark.parametrize("move", [2, -2, 0.5])
def test_apply_moves_rejects_big_moves(world, move):
    with pytest.raises(ParameterError) as exc:
        ts.apply_moves(world, ts.State.zeros(world.n), {("US", "CN"): move})
    assert "moves[US, CN]" in str(exc.value) and repr(move) in str(exc.value)


def test_apply_moves_keeps_off_ladder_level_on_hold(world):
    us, cn = world.index("US"), world.index("CN")
    s = ts.State.zeros(world.n).with_tariff(world, "US", "CN", 0.40)  # fentanyl 20 + 20
    assert ts.apply_moves(world, s, {("US", "CN"): 0}).tariff[us, cn] == 0.40
    # a cut takes the reciprocal layer from 0.20 to the rung below, 0.10 (30 in all)
    assert math.isclose(ts.apply_moves(world, s, {("US", "CN"): -1}).tariff[us, cn], 0.30)
    assert math.isclose(ts.apply_moves(world, s, {("US", "CN"): 1}).tariff[us, cn], 0.54)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_effective_rate_of_headlines_is_the_payoffs_own(seed):
    # World.effective multiplied the headline by the non-exempt share only: on China's
    # targeted lists (29% of US exports) it gave 15% for what the payoffs price as 4.35%
    w = ts.World.default()
    rng = np.random.default_rng(seed)
    t = rng.choice([0.0, 0.1, 0.15, 0.25, 0.5, 1.45], size=(4, w.n, w.n))
    t[:, np.arange(w.n), np.arange(w.n)] = 0.0
    bd = ts.PayoffModel(w).breakdown(ts.StateBatch.from_tariffs(t))
    np.testing.assert_allclose(w.effective(t), bd.effective, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w.effective(t[0]), bd.effective[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [-0.5, -2.0, float("nan"), float("inf")])
def test_a_batch_of_tariffs_is_checked_as_a_state_is(bad):
    # a negative tariff was priced as a gain and NaN or inf gave NaN payoffs, where State
    # refuses both
    t = np.zeros((3, 4, 4))
    t[2, 0, 1] = bad
    with pytest.raises(ParameterError, match=r"`tariff\[2, 0, 1\]` must be a finite fraction"):
        ts.StateBatch.from_tariffs(t)


@pytest.mark.parametrize(
    ("loss", "words"),
    [(3.0, r"`tie_loss` must be in \[0.0, 1.0\]; got 3.0"), (None, "must be symmetric")],
)
def test_a_states_tie_loss_is_a_symmetric_share(loss, words):
    # a loss of 3 charged three whole ties, then was clipped to 1 (two points vanished); a
    # loss on one side only was paid by that side alone
    n = 4
    t = np.zeros((n, n))
    if loss is None:
        t[0, 1] = 0.5
    else:
        t[0, 1] = t[1, 0] = loss
    with pytest.raises(ParameterError, match=words):
        ts.State(np.zeros((n, n)), tie_loss=t)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: ts.Country("VN", 10**400), "countries.VN.gdp: must be a finite number > 0"),
        (
            lambda: ts.World.default().add_country(ts.Country("VN", 1.0), imports={"US": 10**400}),
            "`imports['US']` must be finite",
        ),
        (
            lambda: ts.StateBatch.from_tariffs(np.array([[["a"]]], dtype=object)),
            "`tariff` must be real numbers",
        ),
    ],
    ids=["gdp-beyond-a-float", "imports-beyond-a-float", "tariffs-of-text"],
)
def test_numbers_beyond_a_float_and_text_are_named(make, words):
    # (a bare OverflowError, or ValueError from numpy, before)
    with pytest.raises(ParameterError, match=re.escape(words)):
        make()
