"""Speed and memory of the Markov-perfect solver (tariffsim.equilibrium.markov).

Cases
-----
* bilateral: US and China on one custom ladder each (``L`` rungs, ``L**2``
  states, 9 joint profiles); target: 25 rungs (625 states) in under 0.2 s;
* four-country: the US against China, Canada and Mexico, each answering
  (6 dyads of ``L`` rungs, ``L**6`` states, 27 * 3 * 3 * 3 = 729 joint
  profiles); target: 6 rungs (46,656 states, 34M transitions) in under 60 s
  and 4 GB.

For each case: build time (rewards of every transition from the payoff
model), solve time, sweeps, peak traced memory (``tracemalloc``: numpy
buffers included), bytes a sweep reads (rewards + successor table), the time
of one sweep, and the floor the memory bandwidth sets on it (a large numpy
array copy, read + write, measured here).

Run ``python benchmarks/bench_mpe.py`` (full scaling) or ``--quick``.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

import tariffsim as ts
from tariffsim.equilibrium import dynamic as dyn

FOUR = [("US", "CN"), ("US", "CA"), ("US", "MX"), ("CN", "US"), ("CA", "US"), ("MX", "US")]


def ladder(levels: int) -> tuple[float, ...]:
    return tuple(float(x) for x in np.round(np.linspace(0.0, 1.45, levels), 6))


def bilateral_game(levels: int) -> ts.Game:
    lad = ladder(levels)
    w = ts.World.default(ladders={("US", "CN"): lad, ("CN", "US"): lad}, control_ladders={})
    return ts.Game(w, ts.PayoffModel(w), agents=(ts.Agent("US"), ts.Agent("CN")))


def four_country_game(levels: int) -> ts.Game:
    lad = ladder(levels)
    w = ts.World.default(ladders={d: lad for d in FOUR}, control_ladders={})
    agents = (
        ts.Agent("US", targets=("CN", "CA", "MX")),
        ts.Agent("CN"),
        ts.Agent("CA"),
        ts.Agent("MX"),
    )
    return ts.Game(w, ts.PayoffModel(w), agents=agents)


def bandwidth() -> float:
    """Bytes per second of a 256 MB numpy copy (read + write counted)."""
    a = np.ones(32 * 2**20)
    b = np.empty_like(a)
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best


def run(name: str, game: ts.Game, discount: float, bw: float) -> dict[str, float]:
    tracemalloc.start()
    t0 = time.perf_counter()
    lg = dyn.LadderGame.from_game(game)
    t1 = time.perf_counter()
    r = dyn.markov_perfect(lg, discount=discount)
    t2 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    v = np.array(r.values)
    ts_ = time.perf_counter()
    dyn.bellman(lg, v, discount)
    sweep = time.perf_counter() - ts_
    touched = lg.rewards.nbytes + lg.successors.nbytes
    floor = touched / bw
    row = {
        "states": lg.n_states,
        "profiles": lg.n_profiles,
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "total_s": t2 - t0,
        "sweeps": r.iterations,
        "peak_mb": peak / 2**20,
        "touched_mb": touched / 2**20,
        "sweep_s": sweep,
        "floor_s": floor,
    }
    print(
        f"{name:<22} S={lg.n_states:>7,} A={lg.n_profiles:>4} SA={lg.n_states * lg.n_profiles:>11,}"
        f"  build {row['build_s']:7.3f}s  solve {row['solve_s']:7.3f}s ({r.iterations} sweeps,"
        f" {'converged' if r.converged else 'NOT converged'})  total {row['total_s']:7.3f}s"
        f"  peak {row['peak_mb']:7.1f} MB  sweep {sweep:6.3f}s reads {row['touched_mb']:7.1f} MB"
        f" (bandwidth floor {floor:6.3f}s, x{sweep / floor:4.1f})  [{lg.method}]",
        flush=True,
    )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the two targets at small sizes only")
    ap.add_argument("--discount", type=float, default=0.95)
    args = ap.parse_args()
    bw = bandwidth()
    print(f"numpy copy bandwidth: {bw / 1e9:.1f} GB/s (read + write)")
    bil = [25] if args.quick else [5, 10, 25, 50]
    four = [3, 4] if args.quick else [3, 4, 5, 6]
    rows = {}
    for levels in bil:
        rows[("bilateral", levels)] = run(
            f"bilateral L={levels}", bilateral_game(levels), args.discount, bw
        )
    for levels in four:
        rows[("four", levels)] = run(
            f"four-country L={levels}", four_country_game(levels), args.discount, bw
        )
    b25 = rows.get(("bilateral", 25))
    if b25:
        ok = "OK" if b25["total_s"] < 0.2 else "MISSED"
        print(f"target bilateral 625 states < 0.2 s: {b25['total_s']:.3f} s  {ok}")
    f6 = rows.get(("four", 6))
    if f6:
        ok = "OK" if f6["total_s"] < 60 and f6["peak_mb"] < 4096 else "MISSED"
        print(
            f"target four-country 46,656 states < 60 s, < 4 GB: {f6['total_s']:.1f} s, "
            f"{f6['peak_mb']:.0f} MB  {ok}"
        )
    fours = sorted((k[1], v) for k, v in rows.items() if k[0] == "four")
    if len(fours) >= 2:
        (_, a), (_, b) = fours[-2], fours[-1]
        grow = (b["states"] * b["profiles"]) / (a["states"] * a["profiles"])
        t_grow = b["total_s"] / a["total_s"]
        m_grow = b["peak_mb"] / a["peak_mb"]
        print(
            f"growth, last two four-country sizes: transitions x{grow:.1f}, "
            f"time x{t_grow:.1f}, peak memory x{m_grow:.1f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
