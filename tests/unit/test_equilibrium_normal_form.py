"""NormalFormGame: validation, payoffs, regret, transforms, export."""

import numpy as np
import pytest

from tariffsim.equilibrium import NormalFormGame
from tariffsim.errors import ParameterError

PD_A = np.array([[3.0, 0.0], [5.0, 1.0]])


@pytest.fixture
def pd() -> NormalFormGame:
    return NormalFormGame.from_bimatrix(PD_A, PD_A.T)


def test_stored_read_only_copy(pd):
    src = [PD_A.copy(), PD_A.T.copy()]
    g = NormalFormGame(src)
    src[0][0, 0] = 99.0
    assert g.payoff_array[0, 0, 0] == 3.0
    assert g.payoff_array.shape == (2, 2, 2)
    with pytest.raises(ValueError):
        g.payoff_array[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        g.payoff_array = None  # type: ignore[misc]


@pytest.mark.parametrize(
    ("payoffs", "fragment"),
    [
        ([], "at least 1"),
        ([np.zeros((2, 2)), np.zeros((2, 3))], "payoffs[1]"),
        ([np.zeros((2, 2)), np.zeros(2)], "payoffs[1]"),
        ([np.zeros((2, 2)), np.array([[0, np.nan], [0, 0]])], "nan"),
        ([np.zeros((2, 2)), np.array([[0, np.inf], [0, 0]])], "inf"),
        ([np.zeros((0, 2)), np.zeros((0, 2))], "payoffs[0]"),
        ([[["a", "b"]], [["c", "d"]]], "payoffs[0]"),
        ("abc", "sequence"),
    ],
)
def test_bad_payoffs_named(payoffs, fragment):
    with pytest.raises(ParameterError, match=None) as err:
        NormalFormGame(payoffs)
    assert fragment in str(err.value)


def test_names_validated():
    with pytest.raises(ParameterError, match="player_names"):
        NormalFormGame([PD_A, PD_A.T], player_names=["US"])
    with pytest.raises(ParameterError, match=r"action_names\[1\]"):
        NormalFormGame([PD_A, PD_A.T], action_names=[["lo", "hi"], ["lo"]])
    g = NormalFormGame([PD_A, PD_A.T], player_names=["US", "CN"])
    assert g.player_names == ("US", "CN")
    assert g.action_names == (("0", "1"), ("0", "1"))


def test_basic_properties(pd):
    assert pd.n_players == 2
    assert pd.shape == (2, 2)
    assert repr(pd) == "NormalFormGame(n_players=2, shape=(2, 2))"
    np.testing.assert_array_equal(pd.payoff((1, 0)), [5.0, 0.0])
    with pytest.raises(ParameterError, match=r"profile\[1\]"):
        pd.payoff((0, 2))


def test_three_player_payoff_and_values():
    rng = np.random.default_rng(0)
    arrs = rng.normal(size=(3, 2, 3, 4))
    g = NormalFormGame(list(arrs))
    assert g.payoff((1, 2, 3)).tolist() == arrs[:, 1, 2, 3].tolist()
    x, y, z = np.array([0.3, 0.7]), np.array([0.2, 0.3, 0.5]), np.full(4, 0.25)
    # Independent computation by explicit sum over profiles.
    expected = np.array(
        [sum(arrs[1, a, b, c] * x[a] * z[c] for a in range(2) for c in range(4)) for b in range(3)]
    )
    np.testing.assert_allclose(g.action_values([x, y, z], player=1), expected)


def test_deviation_gains_and_regret(pd):
    np.testing.assert_allclose(pd.deviation_gains((0, 0)), [2.0, 2.0])
    np.testing.assert_allclose(pd.deviation_gains([[1, 0], 1]), [1.0, 0.0])
    assert pd.regret((1, 1)) == 0.0
    assert pd.is_nash((1, 1))
    assert not pd.is_nash((0, 1))
    with pytest.raises(ParameterError, match=r"profile\[0\]"):
        pd.regret([[0.5, 0.6], 0])
    with pytest.raises(ParameterError, match=r"profile\[1\]"):
        pd.regret([0, [0.5, 0.25, 0.25]])
    with pytest.raises(ParameterError, match="tol"):
        pd.is_nash((1, 1), tol=0)


def test_best_responses():
    bos = NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert bos.best_responses([0, [1 / 3, 2 / 3]], player=0).tolist() == [0, 1]
    brs = bos.best_responses([0, 0])
    assert [b.tolist() for b in brs] == [[0], [0]]


def test_affine_and_permute(pd):
    h = pd.affine(1, 3.0, -2.0)
    np.testing.assert_allclose(h.payoff_array[1], 3 * pd.payoff_array[1] - 2)
    np.testing.assert_array_equal(h.payoff_array[0], pd.payoff_array[0])
    with pytest.raises(ParameterError, match="scale"):
        pd.affine(0, -1.0)
    p = pd.permute_actions(1, [1, 0])
    assert p.payoff((0, 0)).tolist() == pd.payoff((0, 1)).tolist()
    with pytest.raises(ParameterError, match="order"):
        pd.permute_actions(1, [0, 0])


def test_to_nfg_layout():
    g = NormalFormGame.from_bimatrix([[1, 2, 3], [4, 5, 6]], [[-1, -2, -3], [-4, -5, -6.5]])
    lines = g.to_nfg("t").splitlines()
    assert lines[0] == ('NFG 1 R "t" { "Player 1" "Player 2" } { { "0" "1" } { "0" "1" "2" } }')
    # First player's action changes fastest; one payoff per player per profile.
    assert lines[2].split() == ["1", "-1", "4", "-4", "2", "-2", "5", "-5", "3", "-3", "6", "-6.5"]


def test_to_nfg_keeps_action_names():
    g = NormalFormGame.from_bimatrix(
        [[1, 2], [3, 4]], [[0, 0], [0, 0]], action_names=(("hold", "escalate"), ("a b", 'q"x'))
    )
    head = g.to_nfg().splitlines()[0]
    assert '{ { "hold" "escalate" } { "a b" "q\\"x" } }' in head


def test_write_nfg(tmp_path, pd):
    path = tmp_path / "pd.nfg"
    pd.write_nfg(path, title="PD")
    assert path.read_text() == pd.to_nfg("PD")


def test_to_nashpy(pd):
    import nashpy

    game = pd.to_nashpy()
    assert isinstance(game, nashpy.Game)
    three = NormalFormGame(list(np.zeros((3, 2, 2, 2))))
    with pytest.raises(ParameterError, match="2 players"):
        three.to_nashpy()


def test_equality(pd):
    assert pd == NormalFormGame.from_bimatrix(PD_A, PD_A.T)
    assert pd != pd.affine(0, 2.0)
