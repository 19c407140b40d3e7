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
# # Equilibrium analysis of the US–China escalation game
#
# Three views of the same game (`us-china-145`, under the *true* payoffs):
#
# 1. the **stage game** — one round at a given state, a 3×3 normal-form game
#    (de-escalate, hold, escalate for each side);
# 2. the **Markov-perfect equilibrium** (MPE) of the discounted game over the
#    ladder states, and its policy map;
# 3. **equilibrium paths** from several starting states.
#
# See also `docs/how-to/equilibria.md`.

# %%
import matplotlib.pyplot as plt

import tariffsim as ts
from tariffsim import equilibrium as eq

game = ts.load_scenario("us-china-145").game
w = game.world


def state(us_cn: float, cn_us: float) -> ts.State:
    """The state with the US tariff on China and China's on the US at these levels."""
    return ts.State.zeros(w.n).with_tariff(w, "US", "CN", us_cn).with_tariff(w, "CN", "US", cn_us)


starts = {"free trade": state(0, 0), "2 April": state(0.54, 0.49), "the peak": state(1.45, 1.4)}

# %% [markdown]
# ## Stage games
#
# `eq.stage_game(game, s)` is a `NormalFormGame`; `eq.pure_nash` lists its pure
# equilibria and `eq.support_enumeration` every (mixed) equilibrium of a
# two-player game. Action 0 is de-escalate, 1 hold, 2 escalate.

# %%
stage_equilibria = {}
for name, s in starts.items():
    stage = eq.stage_game(game, s)
    pure = eq.pure_nash(stage)
    mixed = eq.support_enumeration(stage)
    named = [tuple(stage.action_names[k][a] for k, a in enumerate(p)) for p in pure]
    stage_equilibria[name] = named
    print(f"{name:<11} pure equilibria {named}; all equilibria: {len(mixed.equilibria)}")

# %% [markdown]
# Export the stage game at the peak to Gambit's `.nfg` format (open it in the
# Gambit GUI or `gambit-enummixed peak.nfg`):

# %%
eq.stage_game(game, starts["the peak"]).write_nfg("peak.nfg")
with open("peak.nfg", encoding="utf-8") as f:
    print(f.readline().strip())

# %% [markdown]
# ## The Markov-perfect equilibrium
#
# Value iteration over the 8 × 6 grid of ladder levels; the result says
# whether it converged. In a notebook, `mpe` alone shows a summary table.

# %%
mpe = eq.markov_perfect(game, discount=0.95)
print(repr(mpe))
assert mpe.converged, mpe.message

ax = mpe.plot_policy()
ax.figure.savefig("mpe-policy.png", dpi=80)
plt.close(ax.figure)

# %% [markdown]
# ## Equilibrium paths from several starts
#
# `mpe.path(start=..., rounds=...)` plays the equilibrium policy from a state
# and returns a `Path`, like a simulation.

# %%
paths = {name: mpe.path(start=s, rounds=12) for name, s in starts.items()}
for name, p in paths.items():
    us_cn = [round(100 * float(x)) for x in p.series("US", "CN")]
    print(f"{name:<11} US->CN %: {us_cn}")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5), sharey=True, layout="constrained")
for ax, (name, p) in zip(axes, paths.items(), strict=True):
    p.plot(ax=ax)
    ax.set_title(f"equilibrium path from {name}")
fig.savefig("mpe-paths.png", dpi=80)
plt.close(fig)

# %% [markdown]
# Under the true payoffs patient players walk all the way down from any
# start: tariffs are costly to both sides. The simulated scenario stops at
# 10% because its agents are myopic and taking a tariff to zero costs face.
#
# For comparison, a finite-horizon subgame-perfect equilibrium by backward
# induction:

# %%
spe = eq.backward_induction(eq.LadderGame.from_game(game), 10, 0.95)
print(repr(spe))
spe_path = spe.path(start=starts["the peak"])
print("SPE from the peak, US->CN %:", [round(100 * float(x)) for x in spe_path.series("US", "CN")])
