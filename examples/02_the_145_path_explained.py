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
# # The 145% path explained: beliefs against the truth
#
# In `us-china-145` the US starts out believing that China absorbs most of a
# tariff on Chinese goods — a perceived pass-through of 0.1 on the US→China
# dyad, where in truth US buyers pay almost all of it (1.0). It learns from
# prices once its tariff bites. This notebook follows that belief along the
# path, then replays the year with correct beliefs from the start.

# %%
import copy

import matplotlib.pyplot as plt

import tariffsim as ts

sc = ts.load_scenario("us-china-145")
for b in sc.beliefs():
    print(f"{b['country']} believes {b['parameter']} = {b['believed']:g} "
          f"(truth {b['true']:g}), learning rate {b['learning_rate']:g}")  # fmt: skip

# %% [markdown]
# ## The belief along the path
#
# `path.perceived_pass_through[r, i, j]` is what country `i` believes, after
# round `r`, about the share of its tariff on `j` that its own buyers pay.

# %%
path = sc.simulate(seed=0)
us, cn = sc.world.index("US"), sc.world.index("CN")
belief = path.perceived_pass_through[:, us, cn]
tariff = path.series("US", "CN")
first_cut = next(r for r in range(1, len(path)) if tariff[r] < tariff[r - 1])
print("round  date        US->CN   US belief")
for r in range(8, first_cut + 3):
    print(f"{r:>5}  {path.dates[r]}  {tariff[r]:>6.0%}   {belief[r]:.2f}")
print(f"\nThe US first cuts in round {first_cut}, believing it pays {belief[first_cut - 1]:.0%}"
      f" of its tariff (up from {belief[0]:.0%}).")  # fmt: skip

# %% [markdown]
# ## The counterfactual: correct beliefs from the start
#
# A scenario keeps the mapping it was read from in `sc.data`. Copy it, drop
# the US beliefs, and parse it again with `ts.parse_scenario` — everything
# else (calendar, events, parameters) is unchanged.

# %%
data = copy.deepcopy(dict(sc.data))
for agent in data["agents"]:
    agent.pop("beliefs", None)
data["name"] = "us-china-145-true-beliefs"
truth = ts.parse_scenario(data)
print(truth.beliefs())  # no agent misperceives anything now
cf = truth.simulate(seed=0)

peak_with_belief = path.peak("US", "CN")
peak_with_truth = cf.peak("US", "CN")
print(f"peak US tariff on China: {peak_with_belief:.0%} with the belief, "
      f"{peak_with_truth:.0%} with the truth")  # fmt: skip
for name, p in (("with the belief", path), ("with the truth", cf)):
    print(f"  {name:<16} cumulative payoff US {p.payoff[:, us].sum():+.1f}, "
          f"CN {p.payoff[:, cn].sum():+.1f} (% of GDP x rounds)")  # fmt: skip

# %% [markdown]
# Both sides are better off when the US knows who pays: the climb to 145% is
# the price of the misperception. Side by side:

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True, layout="constrained")
path.plot(ax=left)
left.set_title("US believes China pays (pass-through 0.1)")
cf.plot(ax=right)
right.set_title("US knows its buyers pay (pass-through 1.0)")
fig.savefig("beliefs-vs-truth.png", dpi=80)
plt.close(fig)
