"""Benchmark sensitivity analysis and calibration on the bundled ``us-china-145`` scenario.

Run ``python benchmarks/bench_analysis.py`` (``--quick`` for N = 128 and a
short calibration). Three measurements, all in one process:

(a) Sobol on 8 parameters with N = 1,024 (first and total order: N * (8 + 2)
    = 10,240 runs of 30 rounds) with the four built-in outputs: wall time
    (target < 30 s) and runs per second;
(b) calibration of 4 parameters to the 2025 record up to 30 June (the
    defaults: differential evolution with a population of 32 for at most 12
    generations, then 15-point profiles with 16 draws each): wall time
    (target < 60 s), the model runs it spent, and the estimates;
(c) the reference: ``ts.simulate`` in a Python loop over 50 single runs
    with per-run parameters applied by ``parampath.apply``, in runs per
    second, so (a)'s rate reads as a ratio against one-at-a-time runs
    measured in the same process on the same (shared, loaded) machine.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

import tariffsim as ts
from tariffsim import parampath

RANGES = {
    "belief:pass_through.US.CN": (0.0, 0.5),
    "learning_rate.US": (0.02, 0.3),
    "face_weight.US": (0.05, 0.45),
    "resolve_weight.US": (0.2, 1.0),
    "resolve_weight.CN": (0.75, 2.25),
    "truth:pass_through.US.CN": (0.9, 1.0),
    "elasticity": (2.0, 5.0),
    "recession_cost.US": (1.0, 3.0),
}
"""The eight parameters and ranges of docs/analysis.md."""

FIT = {
    "belief:pass_through.US.CN": (0.0, 0.6),
    "learning_rate.US": (0.02, 0.4),
    "face_weight.US": (0.05, 0.45),
    "resolve_weight.US": (0.2, 1.0),
}


def bench_sobol(n: int) -> dict[str, Any]:
    sc = ts.load_scenario("us-china-145")
    t0 = time.perf_counter()
    res = ts.sensitivity(sc, RANGES, method="sobol", n=n, seed=0, progress=False)
    dt = time.perf_counter() - t0
    return {
        "runs": res.runs,
        "seconds": dt,
        "runs_per_s": res.runs / dt,
        "top3_peak": res.ranking("peak", 3),
        "top3_settled": res.ranking("settled_us", 3),
    }


def bench_calibration(quick: bool) -> dict[str, Any]:
    sc = ts.load_scenario("us-china-145")
    obs = ts.observed.load("us-china-2025")
    kw: dict[str, Any] = {"maxiter": 4, "profile_points": 7, "profile_samples": 4} if quick else {}
    t0 = time.perf_counter()
    fit = ts.calibrate(sc, obs, FIT, until="2025-06-30", seed=0, progress=False, **kw)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "runs": fit.runs,
        "loss": fit.loss,
        "loss_default": fit.loss_default,
        "estimates": {p: round(v, 4) for p, v in fit.params.items()},
        "identified": dict(fit.identified),
    }


def bench_loop(runs: int) -> dict[str, float]:
    game = ts.load_scenario("us-china-145").game
    rng = np.random.default_rng(0)
    vals = [{p: float(rng.uniform(*r)) for p, r in RANGES.items()} for _ in range(runs)]
    t0 = time.perf_counter()
    for v in vals:
        ts.simulate(parampath.apply(game, v), seed=0)
    dt = time.perf_counter() - t0
    return {"runs": runs, "seconds": dt, "runs_per_s": runs / dt}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 128 and a short calibration")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    n = 128 if a.quick else 1024
    loop = bench_loop(10 if a.quick else 50)
    sobol = bench_sobol(n)
    cal = bench_calibration(a.quick)
    out = {"sobol": sobol, "calibration": cal, "loop": loop}
    if a.json:
        print(json.dumps(out, indent=1, default=list))
        return
    ratio = sobol["runs_per_s"] / loop["runs_per_s"]
    rows = [
        (f"Sobol, 8 params, N={n} ({sobol['runs']} runs)", f"{sobol['seconds']:.1f} s",
         f"target < 30 s; {sobol['runs_per_s']:.0f} runs/s, {ratio:.1f}x the loop"),
        ("  top 3 for the peak", ", ".join(sobol["top3_peak"]), ""),
        ("  top 3 for the settled level", ", ".join(sobol["top3_settled"]), ""),
        (f"calibration, 4 params to 30 Jun ({cal['runs']} runs)", f"{cal['seconds']:.1f} s",
         f"target < 60 s; MSE {cal['loss']:.4f} (unfitted {cal['loss_default']:.4f})"),
        (f"loop of ts.simulate ({loop['runs']} runs)", f"{loop['runs_per_s']:.1f} runs/s",
         "reference, same process"),
    ]  # fmt: skip
    w0 = max(len(r[0]) for r in rows)
    for name, val, note in rows:
        print(f"{name:<{w0}}  {val:>12}  {note}")
    print("estimates:", cal["estimates"])
    print("identified:", cal["identified"])


if __name__ == "__main__":
    main()
