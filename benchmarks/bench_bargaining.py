"""Benchmark the cost of agreements and foresight per simulated run.

Run ``python benchmarks/bench_bargaining.py`` (``--quick`` for fewer runs).
All variants run in the same process on the bundled ``us-china-145`` scenario
(30 weekly rounds), so the ratios compare like with like:

(a) ``myopic, no talks``: the scenario's myopic agents with bargaining switched
    off (``negotiation.enabled = false``): the baseline;
(b) ``myopic + talks``: the bundled scenario, with the Geneva summit's
    bargaining step (a 12-round look-ahead for the disagreement point and the
    Nash product over every deal);
(c) ``forward, no talks``: both agents :class:`tariffsim.Forward` (horizon 8);
(d) ``forward + talks``;
(e) ``forward-mpe + talks``: both agents ``Forward(continuation="mpe")``
    (a Markov-perfect solve per perceived model, cached);
(f) ``forward-mpe jumps``: the same with ``jumps=True`` in a ``moves = "jump"``
    game.

Also the Markov-perfect solve of the scenario's ladder game with steps and
with jumps (``markov_perfect(game, moves=...)``, ladder game built each time).

For each: seconds per run (median of repeats, one run per call through
``simulate``) and per run in a batch of R runs (``simulate_batch``), and the
ratio to (a). Also the cost of one ``nash_bargain`` at the peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import tariffsim as ts


def median_time(func: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def variants() -> dict[str, ts.Game]:
    g = ts.load_scenario("us-china-145").game
    off = dataclasses.replace(g.negotiation, enabled=False)
    fwd = tuple(dataclasses.replace(a, strategy=ts.Forward(horizon=8)) for a in g.agents)
    mpe = tuple(dataclasses.replace(a, strategy=ts.Forward(continuation="mpe")) for a in g.agents)
    mpe_j = tuple(
        dataclasses.replace(a, strategy=ts.Forward(continuation="mpe", jumps=True))
        for a in g.agents
    )
    return {
        "myopic, no talks": g.replace(negotiation=off),
        "myopic + talks": g,
        "forward, no talks": g.replace(negotiation=off, agents=fwd),
        "forward + talks": g.replace(agents=fwd),
        "forward-mpe + talks": g.replace(agents=mpe),
        "forward-mpe jumps": g.replace(agents=mpe_j, moves="jump"),
    }


def clear_mpe_cache() -> None:
    """Each timed run of an MPE-valued agent starts without cached solves."""
    from tariffsim import foresight

    foresight._MPE_CACHE.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeats = 3 if args.quick else 7
    runs = 8 if args.quick else 32
    out: dict[str, Any] = {"repeats": repeats, "batch_runs": runs, "variants": {}}
    games = variants()
    for g in games.values():
        g.simulate(seed=0)  # warm up
    base_single = base_batch = None
    for name, g in games.items():
        single = median_time(lambda g=g: (clear_mpe_cache(), g.simulate(seed=0)), repeats)
        batch = (
            median_time(
                lambda g=g: (
                    clear_mpe_cache(),
                    ts.simulate_batch(g, seeds=list(range(runs)), record="compact"),
                ),
                1,
            )
            / runs
        )
        base_single = base_single or single
        base_batch = base_batch or batch
        out["variants"][name] = {
            "s_per_run": single,
            "s_per_run_batched": batch,
            "ratio_vs_myopic_no_talks": single / base_single,
            "ratio_batched_vs_myopic_no_talks": batch / base_batch,
        }
        print(f"{name:20s} {single * 1e3:8.1f} ms/run ({single / base_single:5.2f}x)   "
              f"batched {batch * 1e3:8.1f} ms/run ({batch / base_batch:5.2f}x)")  # fmt: skip
    g = games["myopic + talks"]
    w = g.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    nb = median_time(lambda: ts.bargaining.nash_bargain(g, ("US", "CN"), peak, horizon=12), repeats)
    out["nash_bargain_at_peak_s"] = nb
    print(f"one nash_bargain at the peak (12-round look-ahead): {nb * 1e3:.1f} ms")
    nbl = median_time(
        lambda: ts.bargaining.nash_bargain(g, ("US", "CN"), peak, horizon=12, layers=True),
        repeats,
    )
    out["nash_bargain_at_peak_layers_s"] = nbl
    print(f"the same over tariff layers (layers=True): {nbl * 1e3:.1f} ms ({nbl / nb:.2f}x)")
    from tariffsim import equilibrium as eq

    for mv in ("step", "jump"):
        sec = median_time(lambda mv=mv: eq.markov_perfect(g, discount=0.95, moves=mv), repeats)
        out[f"markov_perfect_{mv}_s"] = sec
        print(f"markov_perfect(moves={mv!r}), ladder game included: {sec * 1e3:.1f} ms")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
