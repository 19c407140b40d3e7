"""Kill ``tariffsim run`` / ``tariffsim equilibrium`` at random moments; look for partial files.

Not part of the test suite. Each trial starts two commands writing into the
same folder (different seeds of a noisy scenario, so their outputs differ),
kills one of them after a random delay drawn over the command's measured
duration (``SIGKILL`` or ``SIGTERM``, alternately) and lets the other
finish. After every trial the folder is checked:

- every visible file is complete (each JSON reads back as a ``Path``, each
  PNG ends with its ``IEND`` chunk, each CSV has a row per round);
- each CSV matches the JSON of the same name (the same run wrote both:
  runs never mix);
- each command's files are all there or all absent (groups are whole);
- hidden temporary files left behind are counted (only ``SIGKILL`` can leave them).

Usage::

    PYTHONPATH=. python benchmarks/kill_writes.py --trials 100

prints a JSON summary and exits 1 if any partial or mixed file was found.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import tariffsim as ts

COMMANDS = {
    "run": (["run", "noisy.toml", "--rounds", "30"], "noisy", [".csv", ".json", ".png",
                                                              "-summary.png"]),
    "equilibrium": (["equilibrium", "noisy.toml", "--rounds", "12"], "noisy-equilibrium",
                    [".csv", ".json", ".png", "-policy.png"]),
}  # fmt: skip


def _scenario(folder: Path) -> None:
    data = dict(ts.load_scenario("canada-mexico-fentanyl").data)
    data["name"] = "noisy"
    data["noise"] = 0.3
    (folder / "noisy.toml").write_text(ts.scenario.dump_toml(data), encoding="utf-8")


def _start(kind: str, seed: int, work: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "tariffsim", *COMMANDS[kind][0], "--out", "out"]
    if kind == "run":
        args += ["--seed", str(seed)]
    else:  # equilibrium paths have no seed: vary the discount so outputs differ
        args += ["--discount", f"{0.5 + 0.4 * (seed % 97) / 97:.4f}"]
    return subprocess.Popen(
        args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _check(out: Path) -> list[str]:
    bad: list[str] = []
    if not out.exists():
        return bad
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    for kind, (_, stem, suffixes) in COMMANDS.items():
        have = [s for s in suffixes if stem + s in names]
        if have and len(have) != len(suffixes):
            bad.append(f"{kind}: group split, only {have}")
        if stem + ".json" in names and stem + ".csv" in names:
            try:
                path = ts.Path.from_json(out / f"{stem}.json")
            except Exception as e:  # a partial JSON
                bad.append(f"{stem}.json unreadable: {type(e).__name__}")
                continue
            if path.to_csv() != (out / f"{stem}.csv").read_text(encoding="utf-8"):
                bad.append(f"{stem}.csv does not match {stem}.json (mixed runs)")
        for s in suffixes:
            f = out / (stem + s)
            if s.endswith(".png") and f.exists() and not f.read_bytes().endswith(b"IEND\xaeB`\x82"):
                bad.append(f"{f.name}: truncated PNG")
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--seed", type=int, default=20251130)
    a = p.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    summary: dict[str, Any] = {"trials": 0, "kills": {"SIGKILL": 0, "SIGTERM": 0},
                               "killed_before_exit": 0, "problems": [],
                               "temp_files_left": {"SIGKILL": 0, "SIGTERM": 0},
                               "outputs_present_after_trial": 0}  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        _scenario(work)
        durations = {}
        for kind in COMMANDS:  # measure, and leave a good earlier run in the folder
            t0 = time.perf_counter()
            _start(kind, 0, work, env).wait()
            durations[kind] = time.perf_counter() - t0
        summary["seconds_per_command"] = {k: round(v, 2) for k, v in durations.items()}
        for trial in range(a.trials):
            kind = "run" if trial % 2 == 0 else "equilibrium"
            other = "equilibrium" if kind == "run" else "run"
            victim = _start(kind, 1000 + trial, work, env)
            bystander = _start(other if trial % 4 < 2 else kind, 5000 + trial, work, env)
            time.sleep(float(rng.uniform(0.0, 1.1 * durations[kind])))
            sig = signal.SIGKILL if trial % 2 == 0 else signal.SIGTERM
            if victim.poll() is None:
                summary["killed_before_exit"] += 1
            victim.send_signal(sig)
            victim.wait()
            bystander.wait()
            summary["kills"][sig.name] += 1
            summary["trials"] += 1
            out = work / "out"
            summary["problems"] += [f"trial {trial}: {b}" for b in _check(out)]
            temps = [q for q in out.iterdir() if q.name.endswith(".tmp") or ".tmp." in q.name]
            summary["temp_files_left"][sig.name] += len(temps)
            for q in temps:  # count them once
                q.unlink()
            summary["outputs_present_after_trial"] += int(any(out.iterdir()))
    print(json.dumps(summary, indent=1))
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
