"""Robustness run: load and play N newly generated malformed scenario files.

Not part of the test suite. The cases come from seeds disjoint from the
suite's (``tests/property/test_fuzz_scenarios.py`` uses seeds below 2e7;
this script starts at ``--first-seed``, default 10**9). Every case is loaded
with ``load_scenario`` and, if it loads, played for the scenario's own rounds
(not cut short as in the suite). A case is an *escape* if anything but a
tariffsim error comes out or a path holds a non-finite number, and a *hang*
if it takes longer than ``--hang`` seconds (a watchdog, ``SIGALRM``).

Usage::

    PYTHONPATH=. python benchmarks/fuzz_scenarios.py --cases 20000 --workers 2

prints a JSON summary (counts by outcome, escapes with their seeds, the
slowest cases) and exits 1 if there was any escape or hang.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def _chunk(args: tuple[int, int, float]) -> dict[str, Any]:
    from tariffsim._fuzz import check, malformed

    first, count, hang = args
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")
    outcomes: Counter[str] = Counter()
    escapes: list[dict[str, Any]] = []
    slow: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(first, first + count):
            name, raw = malformed(np.random.default_rng(seed))
            t0 = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, hang)
            try:
                out = check(raw, Path(d))
            except _Hang:
                out = "hang"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            dt = time.perf_counter() - t0
            slow.append((dt, seed))
            key = out if not out.startswith("escape") else "escape"
            outcomes[key] += 1
            if key in ("escape", "hang"):
                escapes.append({"seed": seed, "base": name, "outcome": out})
    slow.sort(reverse=True)
    return {"outcomes": dict(outcomes), "escapes": escapes, "slow": slow[:5]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--first-seed", type=int, default=10**9)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--hang", type=float, default=60.0, help="seconds before a case is a hang")
    a = p.parse_args(argv)
    per = -(-a.cases // (a.workers * 8))
    jobs = [(a.first_seed + k, min(per, a.cases - k), a.hang) for k in range(0, a.cases, per)]
    t0 = time.perf_counter()
    total: Counter[str] = Counter()
    escapes: list[dict[str, Any]] = []
    slow: list[tuple[float, int]] = []
    with ProcessPoolExecutor(max_workers=a.workers) as ex:
        for res in ex.map(_chunk, jobs):
            total.update(res["outcomes"])
            escapes += res["escapes"]
            slow += [tuple(s) for s in res["slow"]]
    slow.sort(reverse=True)
    summary = {
        "cases": sum(total.values()),
        "seeds": [a.first_seed, a.first_seed + a.cases - 1],
        "outcomes": dict(total),
        "escapes_and_hangs": escapes[:50],
        "slowest_seconds": [{"seed": s, "seconds": round(t, 3)} for t, s in slow[:5]],
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "workers": a.workers,
    }
    print(json.dumps(summary, indent=1))
    return 1 if escapes else 0


if __name__ == "__main__":
    sys.exit(main())
