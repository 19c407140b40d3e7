"""Benchmark ensembles: runs per second in-process, on local Dask workers, against a simulate loop.

Run ``python benchmarks/bench_ensemble.py`` (``--quick``: 1,000 instead of
10,000 runs, fewer simulate calls). All timings in the same run, on
``us-china-145`` over 52 rounds with ``vary="claims"``:

(a) ``ts.ensemble`` in-process (``executor=None``; the payoff kernel on the
    default number of threads of :mod:`tariffsim.threads`): runs/s and the
    peak resident memory of the process;
(b) the same ensemble on a ``dask.distributed.LocalCluster`` with 1 and with
    2 worker processes (one thread each; cluster start-up not timed, the
    first ensemble on it is a warm-up): runs/s, and the overhead of the
    executor path at 1 worker, ``t(1 worker) / t(in-process)`` (target
    <= 1.2), each timed twice back to back with an in-process ensemble on
    one thread, as a worker's chunks run (best of each) so that a shared
    machine's load drifts less between them, and
    the same ratio in CPU time (the workers' against this process's).
    Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
    which also fixes glibc's mmap threshold at 128 kB, so every large
    temporary array is mapped and unmapped from the kernel (about twice as
    slow); tariffsim's chunks undo that on the worker
    (:func:`tariffsim.analysis.runner.tune_malloc`). Measured: workers as Dask
    starts them (the default, tuned by tariffsim), workers started without the
    variable (``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_``
    set to None), and, for comparison, Dask's default with tariffsim's tuning
    switched off (``--untuned``: how it was before);
(c) a loop of ``ts.simulate`` calls (one run each, the parameters applied
    with ``parampath.apply``), runs/s, and the ensemble's speed-up over it;
(d) ``four-country-2025`` in-process with ``vary="claims"``, runs/s (it measured the
    scenario without draws until 2026-12: every run the same path, which the engine plays
    once, 6 times the rate).

(e) both scenarios on a ``concurrent.futures.ProcessPoolExecutor`` with 2
    worker processes (what ``tariffsim ensemble --workers 2`` uses), timed
    alternately with the in-process ensemble, ``--reps`` times each: the
    workers writing their runs into arrays shared with this process (the
    default, :mod:`tariffsim._shared`) and, for comparison, sending their
    arrays back through the pool (the shared arrays switched off, as where
    they cannot be made); runs/s and their ratios (``--no-pool`` skips it).

Each ensemble is checked to equal the in-process one bit for bit. The
machine's load matters: report ``os.getloadavg()`` with the numbers.

``--before COMMIT`` measures instead (a) and (d) against an earlier commit, alternately
in one process (:func:`against`); with ``--fresh``, each timing in a fresh process that
imports only one of the two (:func:`against_fresh`: the fair measure of a change to how
the garbage collector runs, which two copies in one process share).

``--memory`` measures instead the peak resident memory of summary-only
ensembles (``keep="summary"``) against full ones, each in a fresh process
(peak RSS only grows): ``us-china-145``, 52 rounds, in-process, default
chunks —

(m1) full and summary, nothing varied, ``--memory-full-runs`` runs (20,000);
(m2) summary, nothing varied, ``--memory-runs`` runs (1,000,000);
(m3) full with ``vary="claims"`` at ``--memory-full-runs``, and summary with
     ``vary="claims"`` at ``--memory-claims-runs`` runs (100,000);
(m4) a bare process that imported tariffsim and played one run (the floor);

and checks, at 2,000 runs, that the summary's tariff bands equal the full
ensemble's bit for bit and its recession bands are within half a bin.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from typing import Any

import numpy as np

import tariffsim as ts
from tariffsim import parampath, threads


def _time(func: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def _same(a: ts.Ensemble, b: ts.Ensemble) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k))
        for k in ("tariff", "recession", "approval", "payoff", "drawdown")
    )


def _untune() -> None:
    """On a Dask worker: switch off tariffsim's allocator tuning (the state before it)."""
    from tariffsim.analysis import runner

    runner.tune_malloc = lambda environ=None: False  # type: ignore[assignment]


def _simulate_loop(sc: ts.Scenario, n: int, rounds: int, seed: int) -> float:
    ens = ts.ensemble(sc, runs=n, seed=seed, vary="claims", rounds=1, progress=False)
    seeds = np.random.SeedSequence(seed).spawn(n)
    games = [parampath.apply(sc.game, ens.run(k).draws) for k in range(n)]
    t0 = time.perf_counter()
    for k in range(n):
        ts.simulate(games[k], rounds, rng=np.random.default_rng(seeds[k]))
    return time.perf_counter() - t0


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM on Linux).

    ``getrusage``'s ``ru_maxrss`` survives ``exec``: a child started from a big
    parent reports at least the parent's size at the fork. ``VmHWM`` does not.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    """One ensemble in this (fresh) process: seconds, runs/s, peak RSS."""
    if spec.get("rate"):
        return _child_rate(spec)
    sc = ts.load_scenario("us-china-145")
    kw = {"seed": 0, "rounds": spec["rounds"], "progress": spec.get("progress", False)}
    ts.ensemble(sc, runs=1, **{**kw, "rounds": 1})  # imports, caches
    if spec["runs"] == 0:
        return {"peak_rss_mb": _peak_rss_mb()}
    t0 = time.perf_counter()
    ens = ts.ensemble(sc, runs=spec["runs"], vary=spec["vary"], keep=spec["keep"], **kw)
    dt = time.perf_counter() - t0
    return {
        **spec,
        "seconds": dt,
        "runs_per_s": spec["runs"] / dt,
        "peak_rss_mb": _peak_rss_mb(),
        "us_cn_median_final": float(ens.quantiles("US", "CN", [0.5]).values[0, -1]),
    }


def _child_rate(spec: dict[str, Any]) -> dict[str, Any]:
    """``--before --fresh``: a warm-up, then one timed ensemble of ``spec["scenario"]`` with
    ``vary="claims"``, by the tariffsim this process imported (today's or the commit's)."""
    import hashlib

    kw = {"seed": 0, "vary": "claims", "rounds": spec["rounds"], "progress": False}
    ts.ensemble(spec["scenario"], **{**kw, "runs": 50})  # imports, caches
    t, ens = _time(lambda: ts.ensemble(spec["scenario"], runs=spec["runs"], **kw))
    digest = hashlib.sha256()
    for k in ("tariff", "recession", "approval", "payoff", "drawdown"):
        digest.update(np.ascontiguousarray(getattr(ens, k)).tobytes())
    return {"runs_per_s": spec["runs"] / t, "peak_rss_mb": _peak_rss_mb(),
            "digest": digest.hexdigest(), "module": os.path.dirname(ts.__file__)}  # fmt: skip


def _in_child(spec: dict[str, Any], path: str | None = None) -> dict[str, Any]:
    """``spec`` measured by :func:`_child` in a fresh process (``path``: where it imports
    tariffsim from, ahead of the installed one)."""
    import subprocess

    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([path, *filter(None, [env.get("PYTHONPATH")])])
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    res: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(res), file=sys.stderr, flush=True)
    return res


def memory(a: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS of summary-only against full ensembles (each in a fresh process)."""
    sc = ts.load_scenario("us-china-145")
    kw: dict[str, Any] = {"runs": 2_000, "seed": 0, "vary": "claims", "rounds": a.rounds,
                          "progress": False}  # fmt: skip
    full, summ = ts.ensemble(sc, **kw), ts.ensemble(sc, **kw, keep="summary")
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    res: dict[str, Any] = {
        "rounds": a.rounds,
        "loadavg_before": os.getloadavg(),
        "check_tariff_bands_bit_identical": all(
            summ.quantiles(i, j, q).values.tobytes() == full.quantiles(i, j, q).values.tobytes()
            for i, j in full.dyads
        ),
        "check_recession_bands_max_gap": float(
            max(
                np.abs(
                    summ.quantiles("recession", c, q).values
                    - full.quantiles("recession", c, q).values
                ).max()
                for c in full.codes
            )
        ),
    }
    del full, summ
    r = a.rounds
    plan = {
        "floor": {"keep": "runs", "runs": 0, "vary": None, "rounds": r},
        "full_none": {"keep": "runs", "runs": a.memory_full_runs, "vary": None, "rounds": r},
        "summary_none_small": {"keep": "summary", "runs": a.memory_full_runs, "vary": None,
                               "rounds": r},
        "full_claims": {"keep": "runs", "runs": a.memory_full_runs, "vary": "claims",
                        "rounds": r},
        "summary_claims": {"keep": "summary", "runs": a.memory_claims_runs, "vary": "claims",
                           "rounds": r},
        "summary_none": {"keep": "summary", "runs": a.memory_runs, "vary": None, "rounds": r,
                         "progress": True},
    }  # fmt: skip
    for label, spec in plan.items():
        res[label] = _in_child(spec)
    res["loadavg_after"] = os.getloadavg()
    return res


def _pairs(n: int, rate: dict[str, list[float]]) -> dict[str, Any]:
    """The runs/s of ``--before``'s pairs (``rate["now"]``, ``rate["before"]``), their
    medians and the ratio of each pair."""
    return {
        "runs": n,
        "now_runs_per_s": rate["now"],
        "before_runs_per_s": rate["before"],
        "now_median": float(np.median(rate["now"])),
        "before_median": float(np.median(rate["before"])),
        "ratio_per_pair": [x / y for x, y in zip(rate["now"], rate["before"], strict=True)],
    }


def against_fresh(a: argparse.Namespace) -> dict[str, Any]:
    """``--before COMMIT --fresh``: as :func:`against`, but each timing in a fresh process
    that imports only one of the two (today's from this checkout, the commit's from a copy
    of its ``tariffsim``), in turns. Two copies of tariffsim in one process share its
    garbage collector, whose passes then look at both copies' objects: a change to how
    either pauses the collector is measured fairly only this way."""
    import shutil
    import subprocess
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tempfile.mkdtemp(prefix="tariffsim_fresh_")
    tar = subprocess.run(
        ["git", "-C", root, "archive", a.before, "tariffsim"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
    runs = a.runs or (1_000 if a.quick else 10_000)
    res: dict[str, Any] = {"before": a.before, "fresh": True, "loadavg_before": os.getloadavg()}
    try:
        for path in (root, tmp):  # each side's compiled kernels cached before any timing
            _in_child({"rate": True, "scenario": "us-china-145", "runs": 50, "rounds": 2}, path)
        for name, n in (("us-china-145", runs), ("four-country-2025", max(runs // 5, 200))):
            res[name] = _fresh_pairs(a, name, n, root, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["loadavg_after"] = os.getloadavg()
    return res


def _fresh_pairs(a: argparse.Namespace, name: str, n: int, root: str, tmp: str) -> dict[str, Any]:
    """``--reps`` pairs of fresh processes, today's (``root``) and the commit's (``tmp``)."""
    spec = {"rate": True, "scenario": name, "runs": n, "rounds": a.rounds}
    got: dict[str, list[dict[str, Any]]] = {"now": [], "before": []}
    for rep in range(a.reps):
        pair = [("now", root), ("before", tmp)]
        for tag, path in pair if rep % 2 == 0 else pair[::-1]:
            got[tag].append(_in_child(spec, path))
    rate = {k: [x["runs_per_s"] for x in v] for k, v in got.items()}
    return {
        **_pairs(n, rate),
        "now_peak_rss_mb": [x["peak_rss_mb"] for x in got["now"]],
        "before_peak_rss_mb": [x["peak_rss_mb"] for x in got["before"]],
        "equal": len({x["digest"] for v in got.values() for x in v}) == 1,
        "modules": sorted({x["module"] for v in got.values() for x in v}),
    }


def against(a: argparse.Namespace) -> dict[str, Any]:
    """``--before COMMIT``: (a) and (d) — ``us-china-145`` (``--runs``, default 10,000) and
    ``four-country-2025`` (a fifth of the runs), ``vary="claims"``, in this process on the
    default threads — played by today's code and by the commit's (imported as
    ``tariffsim_before``, as ``bench_engine.py --before`` does), ``--reps`` pairs each, the
    order swapped from one pair to the next so that the machine's drift falls on both;
    runs/s per timing, their medians, the ratio of each pair, and whether the two commits'
    ensembles are equal bit for bit."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_engine import load_before

    old = load_before(a.before)
    runs = a.runs or (1_000 if a.quick else 10_000)
    res: dict[str, Any] = {"before": a.before, "loadavg_before": os.getloadavg()}
    for name, n in (("us-china-145", runs), ("four-country-2025", max(runs // 5, 200))):
        kw: dict[str, Any] = {"runs": n, "seed": 0, "vary": "claims", "rounds": a.rounds,
                              "progress": False}  # fmt: skip
        for m in (ts, old):
            m.ensemble(name, **{**kw, "runs": 50})  # warm-up (imports, caches)
        rate: dict[str, list[float]] = {"now": [], "before": []}
        last: dict[str, Any] = {}
        for rep in range(a.reps):
            pair = [("now", ts), ("before", old)]
            for tag, m in pair if rep % 2 == 0 else pair[::-1]:
                last.pop(tag, None)
                t, last[tag] = _time(lambda m=m, name=name, kw=kw: m.ensemble(name, **kw))
                rate[tag].append(n / t)
        res[name] = {
            **_pairs(n, rate),
            "equal": all(
                np.array_equal(getattr(last["now"], k), getattr(last["before"], k))
                for k in ("tariff", "recession", "approval", "payoff", "drawdown")
            ),
        }
    res["loadavg_after"] = os.getloadavg()
    return res


def pool(a: argparse.Namespace, runs: int) -> dict[str, Any]:
    """(e): process pool of 2 workers, shared arrays and arrays sent back, against in-process."""
    from concurrent.futures import ProcessPoolExecutor

    from tariffsim import _shared

    real = _shared.create
    res: dict[str, Any] = {}
    with ProcessPoolExecutor(2) as ex:
        for name, n in (("us-china-145", runs), ("four-country-2025", max(runs // 5, 200))):
            kw: dict[str, Any] = {"runs": n, "seed": 0, "vary": "claims", "rounds": a.rounds,
                                  "progress": False}  # fmt: skip
            ts.ensemble(name, **{**kw, "runs": 200}, executor=ex)  # warm-up: workers start
            rate: dict[str, list[float]] = {"shared": [], "sent_back": [], "in_process": []}
            ref = None
            equal = True
            try:
                for rep in range(a.reps):
                    order = ["shared", "sent_back", "in_process"]
                    for tag in order if rep % 2 == 0 else order[::-1]:
                        _shared.create = real if tag == "shared" else (lambda spec: None)  # type: ignore[assignment]
                        kw_ex = {} if tag == "in_process" else {"executor": ex}
                        t, got = _time(
                            lambda kw=kw, kw_ex=kw_ex, name=name: ts.ensemble(name, **kw, **kw_ex)
                        )
                        rate[tag].append(n / t)
                        ref = got if ref is None else ref
                        equal = equal and _same(got, ref)
                        del got
            finally:
                _shared.create = real  # type: ignore[assignment]
            best = {k: max(v) for k, v in rate.items()}
            res[name] = {
                "runs": n,
                **{f"{k}_runs_per_s": v for k, v in rate.items()},
                "shared_vs_sent_back": best["shared"] / best["sent_back"],
                "shared_vs_in_process": best["shared"] / best["in_process"],
                "equal": equal,
            }
    return res


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(_child(json.loads(sys.argv[2]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 runs instead of 10,000")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=52)
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask measurements")
    ap.add_argument("--no-pool", action="store_true", help="skip the process pool (e)")
    ap.add_argument(
        "--untuned",
        action="store_true",
        help="also time a worker with tariffsim's allocator tuning switched off",
    )
    ap.add_argument("--json", help="also write the numbers to this file")
    ap.add_argument(
        "--before",
        metavar="COMMIT",
        help="instead: today's ensembles against this commit's, alternately, in one process",
    )
    ap.add_argument("--reps", type=int, default=4, help="pairs timed with --before (default 4)")
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="with --before: each timing in a fresh process importing one of the two",
    )
    ap.add_argument(
        "--memory", action="store_true", help="measure summary-only against full ensembles' memory"
    )
    ap.add_argument("--memory-runs", type=int, default=1_000_000)
    ap.add_argument("--memory-claims-runs", type=int, default=100_000)
    ap.add_argument("--memory-full-runs", type=int, default=20_000)
    a = ap.parse_args(argv)
    if a.before or a.memory:  # a measurement of its own instead
        if a.before:
            res = against_fresh(a) if a.fresh else against(a)
        else:
            res = memory(a)
        print(json.dumps(res, indent=1))
        if a.json:
            with open(a.json, "w", encoding="utf-8") as fh:
                json.dump(res, fh, indent=1)
        return
    runs = a.runs or (1_000 if a.quick else 10_000)
    loop_n = 20 if a.quick else 100
    sc = ts.load_scenario("us-china-145")
    kw: dict[str, Any] = {"runs": runs, "seed": 0, "vary": "claims", "rounds": a.rounds,
                          "progress": False}  # fmt: skip
    res: dict[str, Any] = {"runs": runs, "rounds": a.rounds, "loadavg_before": os.getloadavg()}

    ts.ensemble(sc, **{**kw, "runs": 50})  # warm-up (imports, caches)
    t_in, ref = _time(lambda: ts.ensemble(sc, **kw))
    res["in_process_runs_per_s"] = runs / t_in
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t_loop = _simulate_loop(sc, loop_n, a.rounds, 0)
    res["simulate_loop_runs_per_s"] = loop_n / t_loop
    res["speedup_vs_simulate_loop"] = res["in_process_runs_per_s"] / res["simulate_loop_runs_per_s"]

    four = ts.load_scenario("four-country-2025")
    n4 = max(runs // 5, 200)
    t4, _ = _time(  # drawn as (a) is: without draws every run is the same path, played once
        lambda: ts.ensemble(four, runs=n4, seed=0, vary="claims", rounds=a.rounds, progress=False)
    )
    res["four_country_runs_per_s"] = n4 / t4

    if not a.no_dask:
        import dask
        from dask.distributed import Client, LocalCluster

        trim = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
        # (label, workers, Dask's variable, tariffsim's tuning on the worker); the run
        # without the variable first: a nanny leaves it in this process's environment,
        # where later workers would inherit it
        plan = [("no_trim_env_1", 1, False, True), ("1", 1, True, True), ("2", 2, True, True)]
        if a.untuned:
            plan.append(("untuned_1", 1, True, False))
        for label, workers, dask_env, tuned in plan:
            with (
                dask.config.set({} if dask_env else {trim: None}),
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                if not tuned:
                    client.run(_untune)
                ts.ensemble(sc, **{**kw, "runs": 50}, executor=client)  # warm-up
                # in-process and on the cluster back to back, twice (best of each), so
                # that the machine's load drifts less between the two
                t_in, t_d, cpu_in, cpu_d = math.inf, math.inf, math.inf, math.inf
                for _ in range(2):
                    c0 = time.process_time()
                    with threads.limit(1):  # one thread, as each worker's chunks
                        t, _ = _time(lambda: ts.ensemble(sc, **kw))
                    t_in, cpu_in = min(t_in, t), min(cpu_in, time.process_time() - c0)
                    w0 = sum(client.run(time.process_time).values())
                    t, got = _time(lambda c=client: ts.ensemble(sc, **kw, executor=c))
                    t_d = min(t_d, t)
                    cpu_d = min(cpu_d, sum(client.run(time.process_time).values()) - w0)
            res[f"dask_{label}_runs_per_s"] = runs / t_d
            res[f"dask_{label}_equal"] = _same(got, ref)
            res[f"in_process_beside_{label}_runs_per_s"] = runs / t_in
            res[f"overhead_{label}_vs_in_process"] = t_d / t_in
            res[f"cpu_overhead_{label}_vs_in_process"] = cpu_d / cpu_in
        res["overhead_1_worker_vs_in_process"] = res["overhead_1_vs_in_process"]
        res["scaling_2_vs_1_worker"] = res["dask_2_runs_per_s"] / res["dask_1_runs_per_s"]
    if not a.no_pool:
        res["process_pool_2"] = pool(a, runs)
    res["loadavg_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)
    for name, r in res.get("process_pool_2", {}).items():
        print(
            f"{name}, process pool of 2: {max(r['shared_runs_per_s']):.0f} runs/s with shared "
            f"arrays, {max(r['sent_back_runs_per_s']):.0f} sent back "
            f"({r['shared_vs_sent_back']:.2f}x), {max(r['in_process_runs_per_s']):.0f} "
            f"in-process ({r['shared_vs_in_process']:.2f}x); equal: {r['equal']}",
            file=sys.stderr,
        )
    print(
        f"\nus-china-145, {a.rounds} rounds, vary='claims': "
        f"{res['in_process_runs_per_s']:.0f} runs/s in-process "
        f"({res['speedup_vs_simulate_loop']:.0f}x a simulate loop at "
        f"{res['simulate_loop_runs_per_s']:.1f} runs/s); peak RSS {res['peak_rss_mb']:.0f} MB; "
        f"four-country-2025 {res['four_country_runs_per_s']:.0f} runs/s",
        file=sys.stderr,
    )
    if not a.no_dask:
        print(
            f"Dask: 1 worker {res['dask_1_runs_per_s']:.0f} runs/s "
            f"(overhead {res['overhead_1_worker_vs_in_process']:.2f}x in-process, "
            f"{res['cpu_overhead_1_vs_in_process']:.2f}x in CPU time; workers "
            f"started without MALLOC_TRIM_THRESHOLD_ "
            f"{res['overhead_no_trim_env_1_vs_in_process']:.2f}x"
            + (
                f"; untuned {res['overhead_untuned_1_vs_in_process']:.2f}x"
                if "overhead_untuned_1_vs_in_process" in res
                else ""
            )
            + f"), 2 workers {res['dask_2_runs_per_s']:.0f} runs/s "
            f"(x{res['scaling_2_vs_1_worker']:.2f}); equal: "
            f"{res['dask_1_equal']} {res['dask_2_equal']}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
