"""One rule for every solver: ``converged=False`` comes with exactly one ConvergenceWarning.

Each solver is run on a case it cannot finish (a budget too small, a game
without a pure equilibrium, a tolerance out of reach) and on one it finishes;
the first must warn once, naming the solver, the second must not warn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq

PENNIES = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
COORD = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
PD = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
# Lemke-Howson needs more than one pivot on these 3x3 games
RPS = eq.NormalFormGame.from_bimatrix(
    [[0, -1, 1], [1, 0, -1], [-1, 1, 0]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]]
)
# a logit QRE path that three steps up to lambda = 1e6 cannot follow
SKEW = eq.NormalFormGame.from_bimatrix(
    [[3, -1, 0], [-2, 2, 1], [0, 1, -3]], [[-3, 1, 2], [2, -2, 0], [1, 0, 3]]
)


def _converged(res: Any) -> bool:
    if isinstance(res, ts.Path):
        return bool(res.meta["converged"])
    return bool(np.all(res.converged))


def _small_game() -> ts.Game:
    return ts.load_scenario("canada-mexico-fentanyl").game


CASES: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
    (
        "best_response_dynamics",
        lambda: eq.best_response_dynamics(PENNIES, max_rounds=20, rng=0),
        lambda: eq.best_response_dynamics(PD, rng=0),
    ),
    (
        "fictitious_play",
        lambda: eq.fictitious_play(PENNIES, 5, rng=0, tol=1e-9),
        lambda: eq.fictitious_play(PD, 200, rng=0),
    ),
    (
        "logit_dynamics",
        lambda: eq.logit_dynamics(PENNIES, 0.1, 50, rng=0),
        lambda: eq.logit_dynamics(PD, 50.0, 200, rng=0),
    ),
    (
        "logit_qre",
        lambda: eq.logit_qre(SKEW, lam_max=1e6, n_steps=3, tol=1e-12),
        lambda: eq.logit_qre(COORD, lam_max=5),
    ),
    (
        "qre_select",
        lambda: eq.qre_select(SKEW, lam_max=1e6, max_steps=3),
        lambda: eq.qre_select(COORD, lam_max=5),
    ),
    (
        "lemke_howson",
        lambda: eq.lemke_howson(RPS, max_iter=1),
        lambda: eq.lemke_howson(COORD),
    ),
    (
        "lemke_howson_all",
        lambda: eq.lemke_howson_all(RPS, max_iter=1),
        lambda: eq.lemke_howson_all(COORD),
    ),
    (
        "logit_nash",
        lambda: eq.logit_nash(SKEW, max_steps=2),
        lambda: eq.logit_nash(COORD),
    ),
    (
        "logit_branch",
        lambda: eq.logit_branch(SKEW, max_steps=2),
        lambda: eq.logit_branch(COORD),
    ),
    (
        "markov_perfect",
        lambda: eq.markov_perfect(_small_game(), 0.95, max_iter=1),
        lambda: eq.markov_perfect(_small_game(), 0.5),
    ),
    (
        "learning_path",
        lambda: eq.learning_path(_small_game(), "logit", 6, beta=0.01, rng=0),
        lambda: eq.learning_path(_small_game(), "best-response", 12),
    ),
]


@pytest.mark.parametrize(("name", "fails", "finishes"), CASES, ids=[c[0] for c in CASES])
def test_not_converged_warns_once_converged_never(
    name: str, fails: Callable[[], Any], finishes: Callable[[], Any]
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fails()
    conv = [w for w in caught if issubclass(w.category, ts.ConvergenceWarning)]
    assert not _converged(res), f"{name}: the failing case converged"
    assert len(conv) == 1, [str(w.message) for w in conv]
    assert str(conv[0].message).startswith(f"{name}:"), conv[0].message
    assert conv[0].filename == __file__, (name, conv[0].filename)  # points at the caller

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = finishes()
    assert _converged(res), f"{name}: the finishing case did not converge"
    assert not [w for w in caught if issubclass(w.category, ts.ConvergenceWarning)]
