"""Payoff evaluation speed with tariff layers, against a baseline checkout in the same run.

Run ``python benchmarks/bench_economics.py --baseline /path/to/old/checkout``: the
same measurement (``PayoffModel.payoff`` on one batch of 100,000 random ladder
states, states per second, median of 5) runs here and, in a subprocess, on the
baseline source tree, on the 10-country default world and on the 4-player slice
(US, CN, CA, MX). The layered world evaluates each dyad's trade in product
segments (a targeted list and the rest), so this is what the segments cost.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

MEASURE = r"""
import json, statistics, time
import numpy as np
import tariffsim as ts

def states(world, b, seed):
    rng = np.random.default_rng(seed)
    t = np.zeros((b, world.n, world.n))
    for (a, c), lad in world.ladders.items():
        t[:, world.index(a), world.index(c)] = rng.choice(lad.array, size=b)
    return ts.StateBatch.from_tariffs(t)

def run(world, b, reps):
    m = ts.PayoffModel(world)
    s = states(world, b, 0)
    m.payoff(states(world, 10, 1))
    out = []
    for _ in range(reps):
        t0 = time.perf_counter(); m.payoff(s); out.append(time.perf_counter() - t0)
    return b / statistics.median(out)

w = ts.World.default()
k = [w.index(c) for c in ("US", "CN", "CA", "MX")]
ix = np.ix_(k, k)
kw = dict(countries=tuple(w.countries[i] for i in k), imports=w.imports[ix], ties=w.ties[ix],
          exempt=w.exempt[ix], ladders=dict(w.ladders))
if hasattr(w, "instruments"):
    kw = dict(kw, ladders={}, instruments=dict(w.instruments))
w4 = ts.World(**kw)
print(json.dumps({"world10": run(w, B, R), "slice4": run(w4, B, R)}))
"""


def measure(src: Path, batch: int, repeats: int) -> dict[str, float]:
    code = f"B, R = {batch}, {repeats}\n" + MEASURE
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=src, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--baseline", type=Path, required=True, help="source tree to compare with")
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    here = Path(__file__).resolve().parents[1]
    t0 = time.perf_counter()
    base = measure(a.baseline.resolve(), a.batch, a.repeats)
    now = measure(here, a.batch, a.repeats)
    ratio = {k: now[k] / base[k] for k in now}
    print(json.dumps({"baseline": base, "now": now, "now_over_baseline": ratio,
                      "seconds": time.perf_counter() - t0}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
