"""Drawn batches shared by the compiled kernels' property tests: a bundled scenario, runs with
per-run overrides inside each parameter's rules, a seed for the states, and the state flags."""

import numpy as np
from hypothesis import strategies as st

import tariffsim as ts

NAMES = tuple(ts.list_scenarios())
GAMES = {name: ts.load_scenario(name).game for name in NAMES}
# (path, low, high): per-run overrides, inside each parameter's rules
PATHS = [
    ("elasticity", 0.5, 4.0),
    ("truth:pass_through.US.CN", 0.0, 1.0),
    ("belief:pass_through.US.CN", 0.0, 1.0),
    ("recession_base.US", 0.05, 0.6),
    ("face_weight", 0.0, 2.0),
    ("resolve_weight.CN", 0.0, 2.0),
    ("export_margin", 0.0, 1.0),
    ("truth:crash_weight.US", 0.0, 0.05),
    ("market_speed", 0.05, 1.0),
    ("answer_scale", 0.0, 60.0),
]
FLAGS = ("equity", "burden", "pending", "control", "layers", "twins")
"""What a drawn state has: an equity index, a burden the market priced, an escalation pending,
candidate controls, layers off their headline's split, runs equal to others in every input."""


@st.composite
def batches(draw, max_runs, max_profiles):
    """``(name, runs, overrides, seed, profiles, flags)`` of a drawn batch."""
    name = draw(st.sampled_from(NAMES))
    runs = draw(st.integers(1, max_runs))
    chosen = draw(st.lists(st.sampled_from(PATHS), max_size=3, unique_by=lambda p: p[0]))
    overrides = {}
    for path, lo, hi in chosen:
        u = draw(st.lists(st.floats(0, 1), min_size=runs, max_size=runs))
        if draw(st.booleans()):  # elasticity 1 takes the log branch of the pain area
            u = [0.5 / 3.5 if path == "elasticity" else x for x in u]
        overrides[path] = np.array([lo + x * (hi - lo) for x in u])
    seed = draw(st.integers(0, 2**32 - 1))
    profiles = draw(st.integers(1, max_profiles))
    flags = draw(st.fixed_dictionaries(dict.fromkeys(FLAGS, st.booleans())))
    return name, runs, overrides, seed, profiles, flags


def sparse(rng, shape, lo, hi, p=0.5):
    """Uniform draws in ``[lo, hi)``, each kept with probability ``p`` (else 0)."""
    return np.where(rng.random(shape) < p, rng.uniform(lo, hi, shape), 0.0)


def random_states(rng, R, k, n, flags):
    """The engine's ``_States`` of ``R`` runs on ``k`` involved countries of ``n``, drawn."""
    from tariffsim import _batchrun

    off = ~np.eye(k, dtype=bool)
    tariff = sparse(rng, (R, k, k), 0.0, 1.5, 0.6) * off
    return _batchrun._States(
        tariff=tariff,
        control=sparse(rng, (R, k, k), 0.0, 1.0, 0.2) * off,
        peak=tariff + sparse(rng, (R, k, k), 0.0, 0.5, 0.3) * off,
        moved=sparse(rng, (R, k, k), -0.5, 0.5, 0.4 if flags["pending"] else 0.0) * off,
        support=sparse(rng, (R, k), 0.0, 1.0, 0.2),
        shock=sparse(rng, (R, k), -10.0, 0.0, 0.2),
        adjust=np.where(rng.random((R, k, k)) < 0.5, 1.0, rng.random((R, k, k))),
        tie_loss=sparse(rng, (R, n, n), 0.0, 0.3, 0.3),
        grievance=sparse(rng, (R, k, k), 0.0, 1.0, 0.3) * off,
        equity=sparse(rng, (R, k), -40.0, 5.0, 0.8) if flags["equity"] else np.zeros((R, k)),
        bond=sparse(rng, (R, k), 0.0, 2.0, 0.5),
        # the value the market priced the previous state at (index %, <= 0)
        market_value=-rng.uniform(0.0, 40.0, (R, k)) if flags["burden"] else None,
    )
