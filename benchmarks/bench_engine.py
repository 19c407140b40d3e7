"""Benchmark the batched engine against ``simulate`` in a loop and against an earlier engine.

Run ``python benchmarks/bench_engine.py`` from the repository root (``--quick``
for smaller batches). The code of an earlier commit (``--before``, default
af1084f: the engine before it evaluated only the distinct rows of a batch and
before the payoff block's per-call work was cut) is extracted with ``git
archive`` into a temporary directory and imported as ``tariffsim_before``, so
"now" and "before" run in the same process on the same machine, on the same
scenario files and the same numbers of runs. Measured:

(a) ``us-china-145``, 52 rounds: ``simulate`` (one run per call) in a loop,
    the earlier engine's ``simulate_batch`` and today's ``simulate_batch`` of
    10,000 runs with ``record="compact"`` (runs/s), with and without per-run
    overrides (pass-through, elasticity, noise drawn per run); the peak
    resident memory of a fresh process running the 10,000-run batch. Without
    overrides the scenario has no noise, so every run is the same and the
    engine evaluates one row per call: the case with overrides is the honest
    ensemble;
(b) ``four-country-2025``, 52 rounds: the same comparison (2,000 runs);
(c) payoff evaluation, states/s: ``PayoffModel.payoff`` on 100,000 states of
    the default 10-country world (random rungs on the 4 players' dyads), the
    engine's evaluation of the 4-player slice (the payoff block called
    directly, every row evaluated), the compiled totals the engine's
    decisions read on the same slice (``tariffsim._decide_kernel``, every
    row computed; checked against the block to 1e-12; on the default number
    of threads of :mod:`tariffsim.threads` and on one, alternately, the same
    bits checked), and 100,000 states
    with every one of the 10 countries' tariffs random (no slice possible),
    each against the earlier commit on the same states;
(d) ``ts.ensemble(us-china-145, vary="claims")``: runs/s of the ensemble API
    (parameters drawn from the claims' ranges, one process), against the
    earlier commit;
(e) the compiled paths (numba: the trade terms ``tariffsim._trade_kernel``,
    the payoff kernel ``tariffsim._decide_kernel`` for decisions and
    breakdowns, the ladder steps ``tariffsim._ladder_kernel``) all on and all
    off in the same process: the batches of (a) and (b) with per-run
    overrides, each setting timed twice, alternately, best of two; then the
    engine on the default number of threads (a batch's parts played on
    threads at once, :func:`tariffsim.threads.for_parts`) and on one, the
    same way, the same bits checked.
    Rows (a)-(d) use whatever is in force (the compiled paths when numba is
    installed, unless ``TARIFFSIM_JIT=0``; the kernel on the default number
    of threads, the CPUs this process may use, unless ``TARIFFSIM_THREADS``
    says otherwise). The earlier commit has one thread.

The machine's load is printed with the numbers: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tariffsim as ts  # noqa: E402
from tariffsim import _batchrun, _decide_kernel, threads  # noqa: E402
from tariffsim.payoffs import _evaluate_block, _WorldView  # noqa: E402

BEFORE = "af1084f"


def load_before(commit: str = BEFORE) -> Any:
    """Import tariffsim as of ``commit`` under the name ``tariffsim_before``."""
    tmp = Path(tempfile.mkdtemp(prefix="tariffsim_before_"))
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "tariffsim"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=tar, check=True)
    (tmp / "tariffsim").rename(tmp / "tariffsim_before")
    for py in (tmp / "tariffsim_before").rglob("*.py"):  # its own data files, not today's
        src = py.read_text(encoding="utf-8")
        if 'files("tariffsim")' in src:
            py.write_text(src.replace('files("tariffsim")', 'files("tariffsim_before")'))
    sys.path.insert(0, str(tmp))
    return importlib.import_module("tariffsim_before")


def before_game(old: Any, name: str) -> Any:
    """The scenario's game for the earlier code: today's file, else the file of that commit.

    When the scenario format has moved on since (new fields), the earlier
    code plays its own version of the scenario; the output says which.
    """
    try:
        text = (ROOT / "tariffsim" / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
        return old.parse_scenario(tomllib.loads(text), source=f"{name}.toml").game
    except Exception:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BEFORE_USED[0]}:tariffsim/scenarios/{name}.toml"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        BEFORE_OWN_FILES.add(name)
        return old.parse_scenario(tomllib.loads(text), source=f"{name}.toml").game


BEFORE_USED = [BEFORE]
BEFORE_OWN_FILES: set[str] = set()


CPU_TIMES: list[float] = []
"""CPU seconds of the best call of each :func:`best_of`, in order (the load moves them less)."""


def best_of(func: Callable[[], Any], repeats: int) -> float:
    """Best wall time of ``repeats`` calls (its CPU time appended to :data:`CPU_TIMES`)."""
    times = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        func()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    best = min(times)
    CPU_TIMES.append(best[1])
    return best[0]


def overrides(runs: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "truth:pass_through.US.CN": rng.uniform(0.6, 1.0, runs),
        "elasticity": rng.uniform(1.5, 3.5, runs),
        "noise": rng.uniform(0.0, 0.1, runs),
    }


def bench_scenario(
    old: Any, name: str, runs: int, loop_runs: int, old_runs: int, rounds: int = 52,
    repeats: int = 2,
) -> dict:  # fmt: skip
    """Runs/s: a ``simulate`` loop, the earlier engine's batch, today's batch (with overrides).

    The two engines' batches are timed alternately, ``repeats`` times each, best of each (on
    a shared machine the CPU time granted drifts: alternating exposes both to the same).
    """
    game = ts.load_scenario(name).game
    old_game = before_game(old, name)
    ts.simulate(game, rounds, seed=0)  # warm up
    t_loop = best_of(lambda: [ts.simulate(game, rounds, seed=s) for s in range(loop_runs)], 1)
    old.simulate_batch(old_game, rounds, seeds=range(8), record="compact")  # warm up
    ts.simulate_batch(game, rounds, seeds=range(8), record="compact")  # warm up
    over_old, over = overrides(old_runs), overrides(runs)
    cases = {
        "old": lambda: old.simulate_batch(
            old_game, rounds, seeds=range(old_runs), record="compact"
        ),
        "old_var": lambda: old.simulate_batch(
            old_game, rounds, seeds=range(old_runs), overrides=over_old, record="compact"
        ),
        "now": lambda: ts.simulate_batch(game, rounds, seeds=range(runs), record="compact"),
        "now_var": lambda: ts.simulate_batch(
            game, rounds, seeds=range(runs), overrides=over, record="compact"
        ),
    }
    best = dict.fromkeys(cases, (np.inf, np.inf))
    for _ in range(repeats):
        for key, func in cases.items():
            t = best_of(func, 1)
            best[key] = min(best[key], (t, CPU_TIMES[-1]))
    (t_old, cpu_old), (t_old_var, cpu_old_var) = best["old"], best["old_var"]
    (t_batch, cpu_batch), (t_var, cpu_var) = best["now"], best["now_var"]
    loop_rate = loop_runs / t_loop
    return {
        "scenario": name,
        "rounds": rounds,
        "simulate_loop_runs_per_s": loop_rate,
        "before_batch_runs": old_runs,
        "before_batch_runs_per_s": old_runs / t_old,
        "before_batch_with_overrides_runs_per_s": old_runs / t_old_var,
        "batch_runs": runs,
        "batch_runs_per_s": runs / t_batch,
        "batch_runs_per_cpu_s": runs / cpu_batch,
        "before_batch_runs_per_cpu_s": old_runs / cpu_old,
        "batch_with_overrides_runs_per_s": runs / t_var,
        "batch_with_overrides_runs_per_cpu_s": runs / cpu_var,
        "before_batch_with_overrides_runs_per_cpu_s": old_runs / cpu_old_var,
        "speedup_vs_simulate_loop": runs / t_batch / loop_rate,
        "speedup_with_overrides_vs_simulate_loop": runs / t_var / loop_rate,
        "speedup_vs_before": (runs / t_batch) / (old_runs / t_old),
        "speedup_with_overrides_vs_before": (runs / t_var) / (old_runs / t_old_var),
    }


_MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, {root!r})
import tariffsim as ts


def hwm():  # peak resident set size since the last reset, bytes (Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


g = ts.load_scenario("us-china-145").game
try:  # a forked child inherits its parent's peak: reset it
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
before = hwm()
pb = ts.simulate_batch(g, 52, seeds=range({runs}), record="compact")
print(before, hwm(), pb.nbytes)
"""


def bench_memory(runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE.format(root=str(ROOT), runs=runs)],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    before, peak, kept = (int(x) for x in out)
    return {"runs": runs, "rss_after_import": before, "peak_rss": peak, "result_bytes": kept}


def random_tariffs(world: ts.World, n_states: int, seed: int, *, everyone: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.zeros((n_states, world.n, world.n))
    if everyone:
        t = rng.choice(np.array([0.0, 0.1, 0.25, 0.54, 1.0, 1.45]), size=t.shape)
        t[:, np.arange(world.n), np.arange(world.n)] = 0.0
        return t
    for (a, b), lad in world.ladders.items():
        t[:, world.index(a), world.index(b)] = rng.choice(lad.array, size=n_states)
    return t


def bench_payoffs(old: Any, n_states: int, repeats: int) -> dict:
    w = ts.World.default()
    model = ts.PayoffModel(w)
    w_old = old.World.default()
    m_old = old.PayoffModel(w_old)
    out: dict[str, Any] = {"states": n_states}
    for label, everyone in (("players", False), ("world10", True)):
        t = random_tariffs(w, n_states, 0, everyone=everyone)
        batch = ts.StateBatch.from_tariffs(t)
        batch_old = old.StateBatch.from_tariffs(t)
        new = model.payoff(batch)
        before = m_old.payoff(batch_old)
        assert new.shape == before.shape
        # the model has gained terms since (reciprocity, markets): same work, other numbers
        out[f"{label}_max_abs_diff_vs_before"] = float(np.abs(new - before).max())
        out[f"{label}_payoff_states_per_s"] = n_states / best_of(
            lambda b=batch: model.payoff(b), repeats
        )
        out[f"{label}_before_states_per_s"] = n_states / best_of(
            lambda b=batch_old: m_old.payoff(b), repeats
        )
    # the engine's own evaluation: the 4-player slice, world arrays cut once
    idx = np.array([w.index(c) for c in ("US", "CN", "CA", "MX")])
    ix = np.ix_(idx, idx)
    view = _WorldView.of(w, idx)
    params = _batchrun._batched_params(model.params, {}, idx)
    # C-contiguous, as the engine holds its states: indexing the last two axes with arrays
    # gives a transposed layout, which every call would copy before the kernel reads it
    t = np.ascontiguousarray(
        random_tariffs(w, n_states, 0, everyone=False)[:, None][:, :, idx][:, :, :, idx]
    )
    z = np.zeros_like(t)
    nxt = ts.StateBatch(
        tariff=t, control=z, peak=t, moved=z, support=np.zeros(t.shape[:-1]),
        shock=np.zeros(t.shape[:-1]),
    )  # fmt: skip

    def slice_eval() -> Any:
        return _evaluate_block(
            view, params, model.weights[:, idx], model.active[ix], nxt, t, z, z
        ).total

    full = model.payoff(ts.StateBatch.from_tariffs(random_tariffs(w, n_states, 0, everyone=False)))
    np.testing.assert_allclose(slice_eval()[:, 0], full[:, idx], rtol=1e-12, atol=1e-12)
    out["slice_engine_states_per_s"] = n_states / best_of(slice_eval, repeats)
    # the compiled totals the engine's decisions read (every state computed, no memo)
    if _decide_kernel.AVAILABLE:
        runs_view = SimpleNamespace(
            tariff=t[:, 0], control=z[:, 0], peak=t[:, 0], moved=z[:, 0],
            support=np.zeros((n_states, len(idx))), shock=np.zeros((n_states, len(idx))),
            adjust=np.ones_like(z[:, 0]), equity=np.zeros((n_states, len(idx))),
            bond=np.zeros((n_states, len(idx))), market_burden=None,
        )  # fmt: skip
        slow = {
            "ties": (np.broadcast_to(view.ties, t.shape), np.broadcast_to(view.two_step, t.shape)),
            "tie_held": np.zeros((n_states, 1, len(idx))), "grievance": z,
        }  # fmt: skip

        def kernel_eval() -> Any:
            return _decide_kernel.totals(
                view, w, idx, params, None, model.weights[:, idx], model.active[ix], runs_view,
                t, None, None, slow, memo=False,
            )  # fmt: skip

        got, want = kernel_eval(), slice_eval()
        assert got is not None
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        with threads.limit(1):
            assert kernel_eval().tobytes() == got.tobytes()  # the same bits on one thread
        best = {"many": np.inf, "one": np.inf}
        for _ in range(repeats):  # alternately: the default threads, then one
            best["many"] = min(best["many"], best_of(kernel_eval, 1))
            with threads.limit(1):
                best["one"] = min(best["one"], best_of(kernel_eval, 1))
        out["slice_kernel_states_per_s"] = n_states / best["many"]
        out["slice_kernel_one_thread_states_per_s"] = n_states / best["one"]
        out["kernel_threads"] = threads.count()
    else:
        out["slice_kernel_states_per_s"] = float("nan")
        out["slice_kernel_one_thread_states_per_s"] = float("nan")
        out["kernel_threads"] = 1
    try:  # the earlier commit's payoff block on the same slice
        from tariffsim_before import engine as old_engine
        from tariffsim_before.payoffs import _evaluate_block as old_block
        from tariffsim_before.payoffs import _WorldView as OldView

        old_view = OldView.of(w_old, idx)
        try:  # where the earlier commit keeps it
            from tariffsim_before._batchrun import _batched_params as old_batched
        except ImportError:
            old_batched = old_engine._batched_params
        old_params = old_batched(m_old.params, {}, idx)
        nxt_old = old.StateBatch(
            tariff=t, control=z, peak=t, moved=z, support=np.zeros(t.shape[:-1]),
            shock=np.zeros(t.shape[:-1]),
        )  # fmt: skip

        def old_slice() -> Any:
            return old_block(
                old_view, old_params, m_old.weights[:, idx], m_old.active[ix], nxt_old, t, z, z
            ).total

        # the same work on the same states (the numbers differ where the model has moved on
        # since: index beta, long-run burden)
        assert old_slice().shape == slice_eval().shape
        out["slice_before_states_per_s"] = n_states / best_of(old_slice, repeats)
    except (ImportError, AttributeError, TypeError):  # an earlier commit without that block
        out["slice_before_states_per_s"] = float("nan")
    return out


def bench_ensemble(old: Any, runs: int) -> dict:
    """Runs/s of ``ensemble(us-china-145, vary="claims")`` today and at the earlier commit."""
    out: dict[str, Any] = {"runs": runs}
    for label, mod in (("now", ts), ("before", old)):
        try:
            mod.ensemble("us-china-145", 8, seed=0, vary="claims", progress=False)  # warm up
            t = best_of(
                lambda m=mod: m.ensemble("us-china-145", runs, seed=0, vary="claims",
                                         progress=False),
                1,
            )  # fmt: skip
            out[f"{label}_runs_per_s"] = runs / t
        except (AttributeError, TypeError):  # an earlier commit without the ensemble API
            out[f"{label}_runs_per_s"] = float("nan")
    return out


def bench_kernel(runs: int) -> dict:
    """Runs/s with per-run overrides, every compiled path on and off (same process)."""
    from tariffsim import _decide_kernel, _trade_kernel

    out: dict[str, Any] = {"available": _trade_kernel.AVAILABLE}
    if not _trade_kernel.AVAILABLE:
        return out
    in_force = _trade_kernel.ENABLED, _decide_kernel.ENABLED
    try:
        for key, name, n_runs in (
            ("us_china", "us-china-145", runs),
            ("four", "four-country-2025", runs // 5),
        ):
            game = ts.load_scenario(name).game
            over = overrides(n_runs)
            best = {True: np.inf, False: np.inf}
            for enabled in (True, False, True, False):
                _trade_kernel.ENABLED = _decide_kernel.ENABLED = enabled  # (and the ladder's)
                ts.simulate_batch(game, 52, seeds=range(8), record="compact")  # warm up
                t = best_of(
                    lambda g=game, o=over, k=n_runs: ts.simulate_batch(
                        g, 52, seeds=range(k), overrides=o, record="compact"
                    ),
                    1,
                )
                best[enabled] = min(best[enabled], t)
            out[f"{key}_runs"] = n_runs
            out[f"{key}_kernel_runs_per_s"] = n_runs / best[True]
            out[f"{key}_numpy_runs_per_s"] = n_runs / best[False]
            # the engine's threads (parts of the batch at once, kernel calls split): the
            # default count and one, alternately; the same bits checked
            _trade_kernel.ENABLED = _decide_kernel.ENABLED = in_force[1]
            by = {threads.count(): np.inf, 1: np.inf}
            got: dict[int, Any] = {}
            for n in [*by, *by]:
                with threads.limit(n):
                    t = best_of(
                        lambda g=game, o=over, k=n_runs, n=n, got=got: got.__setitem__(
                            n,
                            ts.simulate_batch(g, 52, seeds=range(k), overrides=o, record="compact"),
                        ),
                        1,
                    )
                by[n] = min(by[n], t)
            for f in ("tariff", "payoff", "recession", "approval"):
                a, b = getattr(got[max(by)], f), getattr(got[1], f)
                if a.tobytes() != b.tobytes():
                    raise SystemExit(f"{key}: {f} differs between {max(by)} threads and one")
            out[f"{key}_threads"] = max(by)
            out[f"{key}_threads_runs_per_s"] = n_runs / by[max(by)]
            out[f"{key}_one_thread_runs_per_s"] = n_runs / by[1]
    finally:
        _trade_kernel.ENABLED, _decide_kernel.ENABLED = in_force
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000-run batches, fewer repeats")
    ap.add_argument("--json", help="also write the numbers to this file")
    ap.add_argument(
        "--before", default=BEFORE, help=f"earlier commit to compare (default {BEFORE})"
    )
    args = ap.parse_args(argv)
    runs = 1_000 if args.quick else 10_000
    old = load_before(args.before)
    BEFORE_USED[0] = args.before
    res = {
        "machine": {
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "loadavg_before": os.getloadavg(),
        },
        "before": args.before,
        "us_china": bench_scenario(
            old,
            "us-china-145",
            runs,
            loop_runs=20 if args.quick else 50,
            old_runs=runs,
            repeats=2 if args.quick else 3,
        ),
        "four_country": bench_scenario(
            old,
            "four-country-2025",
            runs // 5,
            loop_runs=10 if args.quick else 20,
            old_runs=runs // 5,
            repeats=2 if args.quick else 3,
        ),
        "memory": bench_memory(runs),
        "payoffs": bench_payoffs(old, 100_000, 3 if args.quick else 5),
        "ensemble": bench_ensemble(old, runs // 5),
        "kernel": bench_kernel(runs),
    }
    res["machine"]["loadavg_after"] = os.getloadavg()
    res["before_played_its_own_scenario_files"] = sorted(BEFORE_OWN_FILES)
    uc, fc, mem, pay = res["us_china"], res["four_country"], res["memory"], res["payoffs"]
    ens = res["ensemble"]
    mb = 1024 * 1024

    def rate(x: float, unit: str = "runs/s") -> str:
        return f"{x:,.1f} {unit}" if x < 100 else f"{x:,.0f} {unit}"

    bef = args.before
    rows = [
        ("(a) us-china-145 x52, simulate loop", rate(uc["simulate_loop_runs_per_s"])),
        (
            f"(a) {bef} simulate_batch {uc['before_batch_runs']:,} runs",
            f"{rate(uc['before_batch_runs_per_s'])} "
            f"({rate(uc['before_batch_runs_per_cpu_s'], 'runs/CPU-s')}; with overrides "
            f"{rate(uc['before_batch_with_overrides_runs_per_s'])}, "
            f"{rate(uc['before_batch_with_overrides_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            f"(a) simulate_batch {uc['batch_runs']:,} runs, compact",
            f"{rate(uc['batch_runs_per_s'])} ({uc['speedup_vs_simulate_loop']:,.0f}x the loop, "
            f"{uc['speedup_vs_before']:,.1f}x {bef}; "
            f"{rate(uc['batch_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            "(a) ... with per-run overrides and noise",
            f"{rate(uc['batch_with_overrides_runs_per_s'])} "
            f"({uc['speedup_with_overrides_vs_simulate_loop']:,.0f}x the loop, "
            f"{uc['speedup_with_overrides_vs_before']:,.1f}x {bef}; "
            f"{rate(uc['batch_with_overrides_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            f"(a) peak RSS, process running {mem['runs']:,} runs",
            f"{mem['peak_rss'] / mb:,.0f} MB (after import {mem['rss_after_import'] / mb:,.0f} MB,"
            f" result {mem['result_bytes'] / mb:,.0f} MB)",
        ),
        ("(b) four-country-2025 x52, simulate loop", rate(fc["simulate_loop_runs_per_s"])),
        (
            f"(b) {bef} simulate_batch {fc['before_batch_runs']:,} runs",
            f"{rate(fc['before_batch_runs_per_s'])} "
            f"({rate(fc['before_batch_runs_per_cpu_s'], 'runs/CPU-s')}; with overrides "
            f"{rate(fc['before_batch_with_overrides_runs_per_s'])}, "
            f"{rate(fc['before_batch_with_overrides_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            f"(b) simulate_batch {fc['batch_runs']:,} runs, compact",
            f"{rate(fc['batch_runs_per_s'])} ({fc['speedup_vs_simulate_loop']:,.0f}x the loop, "
            f"{fc['speedup_vs_before']:,.1f}x {bef}; "
            f"{rate(fc['batch_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            "(b) ... with per-run overrides and noise",
            f"{rate(fc['batch_with_overrides_runs_per_s'])} "
            f"({fc['speedup_with_overrides_vs_before']:,.1f}x {bef}; "
            f"{rate(fc['batch_with_overrides_runs_per_cpu_s'], 'runs/CPU-s')})",
        ),
        (
            "(c) payoff, 4 players in the 10-country world",
            f"{rate(pay['players_payoff_states_per_s'], 'states/s')} "
            f"({bef} {rate(pay['players_before_states_per_s'], 'states/s')})",
        ),
        (
            "(c) engine evaluation of the 4-player slice",
            f"{rate(pay['slice_engine_states_per_s'], 'states/s')} "
            f"({bef} {rate(pay['slice_before_states_per_s'], 'states/s')})",
        ),
        (
            f"(c) compiled decision totals of the 4-player slice, {pay['kernel_threads']} threads",
            f"{rate(pay['slice_kernel_states_per_s'], 'states/s')} (one thread "
            f"{rate(pay['slice_kernel_one_thread_states_per_s'], 'states/s')})",
        ),
        (
            "(c) payoff, all 10 countries' tariffs random",
            f"{rate(pay['world10_payoff_states_per_s'], 'states/s')} "
            f"({bef} {rate(pay['world10_before_states_per_s'], 'states/s')})",
        ),
    ]
    rows.append(
        (
            f"(d) ensemble us-china-145 vary='claims', {ens['runs']:,} runs",
            f"{rate(ens['now_runs_per_s'])} ({bef} {rate(ens['before_runs_per_s'])})",
        )
    )
    ker = res["kernel"]
    if ker["available"]:
        for key, label in (("us_china", "us-china-145"), ("four", "four-country-2025")):
            k_rate, n_rate = ker[f"{key}_kernel_runs_per_s"], ker[f"{key}_numpy_runs_per_s"]
            rows.append(
                (
                    f"(e) {label} {ker[f'{key}_runs']:,} runs with overrides: compiled paths",
                    f"{rate(k_rate)} on, {rate(n_rate)} off ({k_rate / n_rate:.2f}x)",
                )
            )
            m_rate, o_rate = ker[f"{key}_threads_runs_per_s"], ker[f"{key}_one_thread_runs_per_s"]
            rows.append(
                (
                    f"(e) ... engine on {ker[f'{key}_threads']} threads / one thread",
                    f"{rate(m_rate)} / {rate(o_rate)} ({m_rate / o_rate:.2f}x)",
                )
            )
    else:
        rows.append(("(e) compiled paths", "numba not installed"))
    rows.append(
        (
            "load average (1 min) before / after",
            f"{res['machine']['loadavg_before'][0]:.1f} / {res['machine']['loadavg_after'][0]:.1f}"
            f" on {res['machine']['cpus']} CPUs",
        )
    )
    if BEFORE_OWN_FILES:
        rows.append(
            (
                f"note: {bef} cannot read today's files of",
                f"{', '.join(sorted(BEFORE_OWN_FILES))}: it played its own versions of them",
            )
        )
    w0 = max(len(r[0]) for r in rows)
    for name, val in rows:
        print(f"{name:<{w0}}  {val}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
