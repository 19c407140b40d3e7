"""Benchmark tariffsim's foundation: payoff evaluation, import time, simulation.

Run ``python benchmarks/bench_foundation.py`` (add ``--quick`` for fewer
repeats and 100 instead of 1,000 simulation runs). Three measurements:

(a) payoff evaluation: ``PayoffModel.payoff`` on one batch of 100,000 states
    of ``World.default()`` (10 countries, 4 players) with random ladder levels
    on the active dyads, in states per second (median of repeats); against a
    naive baseline that loops in Python over 1,000 single states, measured in
    the same run;
(b) ``import tariffsim`` wall time in a fresh interpreter (median of 5), and
    whether that import pulled in matplotlib;
(c) seeded runs of the bundled ``us-china-145`` scenario for 52 rounds, in
    runs per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tariffsim as ts


def median_time(func: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def random_tariffs(world: ts.World, n_states: int, seed: int) -> np.ndarray:
    """``(n_states, n, n)`` tariffs: a random rung of each active dyad's ladder, zero elsewhere."""
    rng = np.random.default_rng(seed)
    t = np.zeros((n_states, world.n, world.n))
    for (a, b), lad in world.ladders.items():
        t[:, world.index(a), world.index(b)] = rng.choice(lad.array, size=n_states)
    return t


def bench_payoffs(batch: int, baseline: int, repeats: int) -> dict[str, float]:
    world = ts.World.default()
    model = ts.PayoffModel(world)
    states = ts.StateBatch.from_tariffs(random_tariffs(world, batch, seed=0))
    model.payoff(ts.StateBatch.from_tariffs(random_tariffs(world, 10, seed=1)))  # warm up
    vec = median_time(lambda: model.payoff(states), repeats)

    singles = [ts.State(t) for t in random_tariffs(world, baseline, seed=2)]

    def loop() -> None:
        for s in singles:
            model.payoff(s)

    naive = median_time(loop, repeats)
    # both paths give the same numbers
    check = ts.StateBatch.from_tariffs(np.stack([s.tariff for s in singles[:50]]))
    np.testing.assert_allclose(
        model.payoff(check), np.concatenate([model.payoff(s) for s in singles[:50]]), rtol=1e-12
    )
    return {
        "batch": batch,
        "batch_seconds": vec,
        "batch_states_per_s": batch / vec,
        "loop_states": baseline,
        "loop_seconds": naive,
        "loop_states_per_s": baseline / naive,
        "speedup": (batch / vec) / (baseline / naive),
    }


_IMPORT_PROBE = (
    "import sys, time, json; t0 = time.perf_counter(); import tariffsim; "
    "dt = time.perf_counter() - t0; "
    "print(json.dumps({'seconds': dt, 'matplotlib': 'matplotlib' in sys.modules, "
    "'scipy': 'scipy' in sys.modules, 'networkx': 'networkx' in sys.modules}))"
)


def bench_import(repeats: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "matplotlib": any(r["matplotlib"] for r in runs),
        "scipy": any(r["scipy"] for r in runs),
        "networkx": any(r["networkx"] for r in runs),
    }


def bench_simulation(runs: int, rounds: int) -> dict[str, float]:
    sc = ts.load_scenario("us-china-145")
    sc.game.simulate(rounds, seed=0)  # warm up
    t0 = time.perf_counter()
    for seed in range(runs):
        sc.game.simulate(rounds, seed=seed)
    dt = time.perf_counter() - t0
    return {"runs": runs, "rounds": rounds, "seconds": dt, "runs_per_s": runs / dt}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats; 100 simulation runs")
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else 5
    runs = 100 if args.quick else 1000

    pay = bench_payoffs(batch=100_000, baseline=1_000, repeats=repeats)
    imp = bench_import(repeats=5)
    sim = bench_simulation(runs=runs, rounds=52)

    rows = [
        ("(a) payoff, batch of 100,000 states", f"{pay['batch_states_per_s']:,.0f} states/s",
         f"median {pay['batch_seconds']:.3f} s of {repeats}"),
        ("(a) payoff, Python loop over 1,000 states", f"{pay['loop_states_per_s']:,.0f} states/s",
         f"median {pay['loop_seconds']:.3f} s of {repeats}"),
        ("(a) batch / loop", f"{pay['speedup']:,.1f}x", ""),
        ("(b) import tariffsim (fresh process)", f"{imp['seconds'] * 1000:,.0f} ms",
         "median of 5"),
        ("(b) matplotlib imported by it", "yes" if imp["matplotlib"] else "no",
         f"scipy: {'yes' if imp['scipy'] else 'no'}, "
         f"networkx: {'yes' if imp['networkx'] else 'no'}"),
        (f"(c) us-china-145, {runs:,} seeded runs x 52 rounds", f"{sim['runs_per_s']:,.1f} runs/s",
         f"{sim['seconds']:.2f} s in all"),
    ]  # fmt: skip
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w0}}  {'result':>{w1}}  note")
    print("-" * (w0 + w1 + 30))
    for name, val, note in rows:
        print(f"{name:<{w0}}  {val:>{w1}}  {note}")


if __name__ == "__main__":
    main()
