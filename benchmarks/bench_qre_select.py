"""The logit tracing selection: ``qre_select`` (the branch by arc length) against a grid in λ.

``qre_select`` follows the principal logit QRE branch with
:func:`tariffsim.equilibrium.logit_branch`; before, it traced a geometric grid of
λ values with :func:`tariffsim.equilibrium.logit_qre`, which cannot pass a point
where the branch bends back in λ. Both run here, in the same process, on the
same random games (2 and 3 players, 2 to 4 actions each, payoffs uniform on
[0, 1], ``lam_max=1000``), the grid with 120 points (what the Markov-perfect
solver's ``"qre"`` selection used) and with 400 (``logit_qre``'s default).
Reported: the total time of each, their ratio, the games whose branch has
turning points, and the games where the grid ends more than 0.01 (largest
probability difference) away from the branch's end.

Run ``python benchmarks/bench_qre_select.py`` (300 games) or ``--quick`` (60).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from tariffsim import equilibrium as eq
from tariffsim.errors import ConvergenceWarning


def games(count: int, seed: int = 1) -> list[eq.NormalFormGame]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(2, 4))
        out.append(eq.NormalFormGame(rng.random((n,) + (int(rng.integers(2, 5)),) * n)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    gs = games(60 if args.quick else 300)
    warnings.simplefilter("ignore", ConvergenceWarning)
    t0 = time.perf_counter()
    sel = [eq.qre_select(g, lam_max=1000.0) for g in gs]
    t_branch = time.perf_counter() - t0
    out: dict[str, object] = {
        "games": len(gs),
        "branch_s": round(t_branch, 2),
        "with_turning_points": sum(s.turning_points > 0 for s in sel),
    }
    for steps in (120, 400):
        t0 = time.perf_counter()
        grid = [eq.logit_qre(g, lam_max=1000.0, n_steps=steps) for g in gs]
        t_grid = time.perf_counter() - t0
        far = sum(
            max(float(np.abs(a - b).max()) for a, b in zip(p.final, s.profile, strict=True)) > 0.01
            for p, s in zip(grid, sel, strict=True)
        )
        out[f"grid{steps}_s"] = round(t_grid, 2)
        out[f"grid{steps}_over_branch"] = round(t_grid / t_branch, 2)
        out[f"grid{steps}_ends_elsewhere"] = far
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
