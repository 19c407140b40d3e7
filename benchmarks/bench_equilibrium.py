"""Benchmark tariffsim's normal-form solvers against quantecon, nashpy and pygambit.

Run ``python benchmarks/bench_equilibrium.py`` (add ``--quick`` for fewer
repeats). Times are medians over repeats on seeded random games; the
"found" column counts the equilibria each method returns whose regret is
<= 1e-8.

Sections:

* support enumeration, 8x8 and 10x10;
* **all equilibria** (vertex enumeration) of random 10x10 and 15x15 games,
  tariffsim's :func:`~tariffsim.equilibrium.vertex_enumeration` against
  quantecon's ``vertex_enumeration`` in the same run (total over the games);
  tariffsim's compiled search runs when numba is installed (``.[fast]``), its
  numpy search otherwise;
* **3-player 4x4x4** mixed equilibria by the logit homotopy
  (:func:`~tariffsim.equilibrium.logit_nash`), against pygambit's
  ``gnm_solve`` / ``simpdiv_solve`` when pygambit is installed (it is not a
  dependency: it builds from source), and quantecon's McLennan–Tourky;
* pure equilibria of a 4-player game.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tariffsim import equilibrium as eq

ACCEPT = 1e-8


def median_time(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def to_quantecon(game: eq.NormalFormGame) -> Any:
    import quantecon.game_theory as gt

    n = game.n_players
    return gt.NormalFormGame(
        [
            gt.Player(np.transpose(game.payoff_array[i], [(i + k) % n for k in range(n)]))
            for i in range(n)
        ]
    )


def count_ok(game: eq.NormalFormGame, eqs: Any) -> int:
    return sum(game.regret([np.asarray(x), np.asarray(y)]) <= ACCEPT for x, y in eqs)


def _nashpy_worker(A: np.ndarray, B: np.ndarray, queue: Any) -> None:
    import warnings

    import nashpy

    warnings.simplefilter("ignore")  # nashpy warns about even equilibrium counts
    t0 = time.perf_counter()
    eqs = list(nashpy.Game(A, B).support_enumeration())
    queue.put((time.perf_counter() - t0, eqs))


def _simpdiv_worker(arrays: list[list[np.ndarray]], queue: Any) -> None:
    import pygambit as gbt

    t0 = time.perf_counter()
    out = []
    for arr in arrays:
        x = gbt.Game.from_arrays(*arr)
        res = gbt.nash.simpdiv_solve(x.mixed_strategy_profile(rational=True))
        out.append(
            [
                [np.array([float(p[s]) for s in pl.strategies]) for pl in p.game.players]
                for p in res.equilibria
            ]
        )
    queue.put((time.perf_counter() - t0, out))


def _simpdiv_timed(games: list[eq.NormalFormGame], timeout: float) -> tuple[float | None, int]:
    """pygambit's simpdiv_solve on every game in a child process, abandoned after `timeout` s."""
    queue: Any = mp.Queue()
    arrays = [[np.asarray(p) for p in g.payoff_array] for g in games]
    proc = mp.Process(target=_simpdiv_worker, args=(arrays, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, 0
    t, profiles = queue.get()
    ok = sum(
        any(g.regret(sig) <= ACCEPT for sig in profs)
        for g, profs in zip(games, profiles, strict=True)
    )
    return t, ok


def nashpy_once(game: eq.NormalFormGame, timeout: float) -> tuple[float | None, Any]:
    """One nashpy run in a child process, abandoned after `timeout` seconds."""
    queue: Any = mp.Queue()
    A, B = (np.array(p) for p in game.payoff_array)
    proc = mp.Process(target=_nashpy_worker, args=(A, B, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, []
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--nashpy-timeout", type=float, default=120.0, help="seconds per nashpy run (0 skips)"
    )
    parser.add_argument(
        "--simpdiv-timeout", type=float, default=120.0, help="seconds for pygambit's simpdiv runs"
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else 15

    import quantecon.game_theory as gt

    rows: list[tuple[str, str, float | None, int | str]] = []
    rng = np.random.default_rng(args.seed)
    warm_game = eq.NormalFormGame.from_bimatrix(rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    warm = to_quantecon(warm_game)
    eq.vertex_enumeration(warm_game)  # load (or compile) tariffsim's numba kernel before timing
    gt.support_enumeration(warm)  # compile numba before timing
    gt.vertex_enumeration(warm)
    gt.pure_nash_brute(warm)

    for size in (8, 10):
        game = eq.NormalFormGame.from_bimatrix(
            rng.normal(size=(size, size)), rng.normal(size=(size, size))
        )
        qg = to_quantecon(game)
        label = f"support enum {size}x{size}"
        t, r = median_time(lambda g=game: eq.support_enumeration(g), repeats)
        rows.append((label, "tariffsim", t, count_ok(game, r.equilibria)))
        t, r = median_time(
            lambda g=game: eq.support_enumeration(g, full_degeneracy_check=True), repeats
        )
        rows.append((label, "tariffsim (full check)", t, count_ok(game, r.equilibria)))
        t, r = median_time(lambda q=qg: gt.support_enumeration(q), repeats)
        rows.append((label, "quantecon support", t, count_ok(game, r)))
        t, r = median_time(lambda q=qg: gt.vertex_enumeration(q), repeats)
        rows.append((label, "quantecon vertex", t, count_ok(game, r)))
        t, r = median_time(lambda g=game: eq.lemke_howson_all(g), repeats)
        rows.append((label, "tariffsim LH all labels", t, count_ok(game, r.equilibria)))
        if args.nashpy_timeout > 0:
            tn, r = nashpy_once(game, args.nashpy_timeout)
            rows.append(
                (label, "nashpy support (1 run)", tn, count_ok(game, r) if tn else "timeout")
            )

    n_games = 5 if args.quick else 20
    for size in (10, 15):
        games = [
            eq.NormalFormGame.from_bimatrix(
                rng.random(size=(size, size)), rng.random(size=(size, size))
            )
            for _ in range(n_games if size == 10 else max(2, n_games // 4))
        ]
        qgs = [to_quantecon(g) for g in games]
        label = f"all eq {size}x{size} x{len(games)}"
        t, r = median_time(
            lambda gs=games: [eq.vertex_enumeration(g) for g in gs], max(1, repeats // 5)
        )
        found = sum(count_ok(g, x.equilibria) for g, x in zip(games, r, strict=True))
        rows.append((label, "tariffsim", t, found))
        t, r = median_time(
            lambda q=qgs: [gt.vertex_enumeration(g) for g in q], max(1, repeats // 5)
        )
        found = sum(count_ok(g, x) for g, x in zip(games, r, strict=True))
        rows.append((label, "quantecon vertex", t, found))

    games3 = [eq.NormalFormGame(rng.normal(size=(3, 4, 4, 4))) for _ in range(5)]
    label = "3p 4x4x4 one eq x5"
    t, r = median_time(lambda: [eq.logit_nash(g) for g in games3], 1)
    rows.append((label, "tariffsim", t, sum(x.converged for x in r)))
    qg3 = [to_quantecon(g) for g in games3]
    t, r = median_time(lambda: [gt.mclennan_tourky(q, epsilon=1e-8) for q in qg3], 1)
    rows.append(
        (
            label,
            "quantecon McLennan-Tourky",
            t,
            sum(g.regret(list(x)) <= ACCEPT for g, x in zip(games3, r, strict=True)),
        )
    )
    try:
        import pygambit as gbt
    except ImportError:
        print("pygambit is not installed: no gnm_solve / simpdiv_solve comparison.")
    else:
        gg = [gbt.Game.from_arrays(*[np.asarray(p) for p in g.payoff_array]) for g in games3]

        def gambit_found(results: Any) -> int:
            """Games for which gambit returned a profile with regret <= ACCEPT."""
            n_ok = 0
            for g, res in zip(games3, results, strict=True):
                profs = [
                    [np.array([float(p[s]) for s in pl.strategies]) for pl in p.game.players]
                    for p in res.equilibria
                ]
                n_ok += any(g.regret(sig) <= ACCEPT for sig in profs)
            return n_ok

        t, r = median_time(lambda: [gbt.nash.gnm_solve(x) for x in gg], 1)
        rows.append((label, "pygambit gnm_solve", t, gambit_found(r)))
        # simplicial subdivision starts from a (rational) profile, the centroid, and
        # works in exact arithmetic: run in a child process, abandoned after the timeout
        ts_, found_ = _simpdiv_timed(games3, args.simpdiv_timeout)
        rows.append((label, "pygambit simpdiv_solve", ts_, found_ if ts_ else "timeout"))

    game = eq.NormalFormGame(list(rng.normal(size=(4, 11, 11, 11, 11))))
    label = "pure_nash 4p x 11"
    t, r = median_time(lambda: eq.pure_nash(game), repeats)
    rows.append((label, "tariffsim", t, len(r)))
    qg = to_quantecon(game)
    t, r = median_time(lambda: gt.pure_nash_brute(qg), max(1, repeats // 3))
    rows.append((label, "quantecon pure_nash_brute", t, len(r)))

    print(f"{'problem':<22} {'method':<26} {'median s':>10} {'found':>7} {'vs tariffsim':>13}")
    base: dict[str, float] = {}
    for problem, method, t, n_found in rows:
        if method == "tariffsim" and t is not None:
            base[problem] = t
        ratio = f"{t / base[problem]:.1f}x" if t is not None and problem in base else "-"
        ts = f"{t:.5f}" if t is not None else "-"
        print(f"{problem:<22} {method:<26} {ts:>10} {n_found!s:>7} {ratio:>13}")


if __name__ == "__main__":
    main()
