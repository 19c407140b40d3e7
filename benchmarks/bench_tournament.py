"""Benchmark: a bilateral round robin of 10 strategies, 200 rounds, 5 repetitions.

Reports agent-rounds per second for tariffsim (US–China dyad, full payoff model
every round) and, when axelrod is available, for axelrod's comparable
tournament (10 strategies, 200 turns, 5 repetitions) timed in the same run.

axelrod is not a tariffsim dependency. It is used if importable here, or via
another interpreter given with ``--axelrod-python`` (default ``/tmp/axl/bin/python``
if it exists), e.g. a venv made with::

    python3 -m venv /tmp/axl && /tmp/axl/bin/pip install torch==2.13.0 && \
        /tmp/axl/bin/pip install axelrod

Usage: ``python benchmarks/bench_tournament.py [--quick] [--processes N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

STRATEGIES = [
    "tit-for-tat",
    "grim-trigger",
    "generous-tit-for-tat",
    "pavlov",
    "contrite-tit-for-tat",
    "random",
    "always-escalate",
    "always-deescalate",
    "firm-but-measured",
    "brinkmanship",
]
AXELROD = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import axelrod as axl
turns, reps = int(sys.argv[1]), int(sys.argv[2])
players = [axl.TitForTat(), axl.Grudger(), axl.GTFT(), axl.WinStayLoseShift(),
           axl.ContriteTitForTat(), axl.Random(), axl.Defector(), axl.Cooperator(),
           axl.FirmButFair(), axl.Prober()]
axl.Tournament(players[:2], turns=5, repetitions=1, seed=1).play(progress_bar=False)  # warm up
t = time.perf_counter()
axl.Tournament(players, turns=turns, repetitions=reps, seed=1).play(
    progress_bar=False, build_results=False)
play_only = time.perf_counter() - t
t = time.perf_counter()
res = axl.Tournament(players, turns=turns, repetitions=reps, seed=1).play(
    progress_bar=False)
dt = time.perf_counter() - t
n = len(players)
print(json.dumps({"seconds": dt, "play_only": play_only, "matches": n * (n + 1) // 2 * reps,
                  "ranking": res.ranked_names[:3], "version": axl.__version__}))
"""


def run_tariffsim(rounds: int, reps: int, processes: int) -> dict:
    import tariffsim.tournament as T

    T.round_robin(STRATEGIES[:2], rounds=5, repetitions=1)  # warm up (imports, calibration)
    t = time.perf_counter()
    r = T.round_robin(STRATEGIES, rounds=rounds, repetitions=reps, seed=0, processes=processes)
    dt = time.perf_counter() - t
    matches = len(r.lineups)
    return {"seconds": dt, "matches": matches, "agent_rounds": 2 * matches * rounds,
            "ranking": list(r.ranking[:3])}  # fmt: skip


def run_axelrod(python: str | None, rounds: int, reps: int) -> dict | None:
    try:
        import axelrod  # noqa: F401

        cmd = [sys.executable]
    except ImportError:
        if not python or not os.path.exists(python):
            return None
        cmd = [python]
    out = subprocess.run([*cmd, "-c", AXELROD, str(rounds), str(reps)], capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    if out.returncode != 0:
        print("axelrod run failed:", out.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    d = json.loads(out.stdout.strip().splitlines()[-1])
    d["agent_rounds"] = 2 * d["matches"] * rounds
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50 rounds, 2 repetitions")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--axelrod-python", default="/tmp/axl/bin/python")
    args = ap.parse_args(argv)
    rounds, reps = (50, 2) if args.quick else (200, 5)
    ours = run_tariffsim(rounds, reps, args.processes)
    rate = ours["agent_rounds"] / ours["seconds"]
    print(f"tariffsim: {len(STRATEGIES)} strategies, {rounds} rounds, {reps} reps, "
          f"{ours['matches']} matches in {ours['seconds']:.3f} s: "
          f"{ours['matches'] / ours['seconds']:.0f} matches/s, {rate:,.0f} agent-rounds/s "
          f"(processes={args.processes}); top: {', '.join(ours['ranking'])}")  # fmt: skip
    ax = run_axelrod(args.axelrod_python, rounds, reps)
    if ax is None:
        print("axelrod: not installed (see the module docstring to time it too)")
        return 0
    arate = ax["agent_rounds"] / ax["seconds"]
    print(f"axelrod {ax['version']}: {ax['matches']} matches in {ax['seconds']:.3f} s "
          f"with results built ({ax['play_only']:.3f} s without): "
          f"{ax['matches'] / ax['seconds']:.0f} matches/s, {arate:,.0f} agent-rounds/s; "
          f"top: {', '.join(ax['ranking'])}")  # fmt: skip
    prate = ax["agent_rounds"] / ax["play_only"]
    print(
        f"ratio tariffsim/axelrod: agent-rounds/s x{rate / arate:.2f} "
        f"(x{rate / prate:.2f} against axelrod without results), "
        f"wall time x{ours['seconds'] / ax['seconds']:.2f} "
        f"(tariffsim plays both seatings: {ours['matches']} vs {ax['matches']} matches)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
