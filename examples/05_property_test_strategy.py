# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Property-testing your own strategy with `tariffsim.testing`
#
# A user writes `Reciprocator`: it answers escalations and cuts in kind and,
# to look reasonable, offers a cut when a tariff war has gone on "too long".
# Is it as firm as it claims — does it never concede unilaterally?
# hypothesis draws short random pasts of the US–China game from free trade,
# and the check `assert_never_concedes_unilaterally` finds (and shrinks) a
# past in which it does. The fixed version passes, as do the other invariants.
#
# Run: `python examples/05_property_test_strategy.py` (needs hypothesis:
# `pip install "tariffsim[testing]"`). See `docs/how-to/property-testing.md`.

# %%
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from hypothesis import given, settings

import tariffsim as ts
import tariffsim.testing as tst

WORLD = ts.World.default()
MODEL = ts.PayoffModel(WORLD)

# %% [markdown]
# ## The strategy, with its bug, and the fix

# %%


@dataclass(frozen=True)
class Reciprocator:
    """Answer in kind; offer a cut once our tariff has stood above ``patience`` for long."""

    patience: float = 0.3
    name: ClassVar[str] = "reciprocator"
    traits: ClassVar[ts.Traits] = ts.Traits(memory_depth=3)

    def act(self, obs: ts.Observation, rng: np.random.Generator) -> dict[tuple[str, str], int]:
        out = {}
        for me, t in obs.targets:
            theirs = obs.last_change(t, me)
            if theirs != 0:
                out[(me, t)] = 1 if theirs > 0 else -1
            elif obs.level(me, t) > self.patience:
                out[(me, t)] = -1  # the bug: a cut nobody asked for
            else:
                out[(me, t)] = 0
        return out


@dataclass(frozen=True)
class FixedReciprocator(Reciprocator):
    """Answer in kind only."""

    name: ClassVar[str] = "fixed-reciprocator"

    def act(self, obs: ts.Observation, rng: np.random.Generator) -> dict[tuple[str, str], int]:
        out = {}
        for me, t in obs.targets:
            theirs = obs.last_change(t, me)
            out[(me, t)] = 1 if theirs > 0 else (-1 if theirs < 0 else 0)
        return out


# %% [markdown]
# ## The properties
#
# `tst.histories` draws pasts of the game as seen by China; each check runs
# the strategy on a drawn past and fails with a readable counterexample.

# %%
PASTS = tst.histories(WORLD, me="CN", model=MODEL, max_rounds=6)


def check_all(strategy: ts.Strategy) -> None:
    """Property-test the invariants the strategy claims."""

    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(h=PASTS)
    def never_concedes(h: tst.History) -> None:
        tst.assert_never_concedes_unilaterally(strategy, h)

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(h=PASTS)
    def other_invariants(h: tst.History) -> None:
        tst.assert_never_escalates_first(strategy, h)
        tst.assert_retaliates(strategy, h)
        tst.assert_deterministic(strategy, h)

    never_concedes()
    other_invariants()


# %% [markdown]
# ## Run the checks: the buggy strategy fails, the fixed one passes


# %%
def main() -> int:
    """Run the checks on the buggy and the fixed strategy; return 0 if all went as expected."""
    try:
        check_all(Reciprocator())
    except AssertionError as e:
        print("Reciprocator FAILED, as it should:")
        print(str(e).split("\n\nFalsifying")[0].split("\nFalsifying")[0])
    else:
        print("Reciprocator unexpectedly passed")
        return 1
    check_all(FixedReciprocator())
    print("FixedReciprocator passed every check.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
