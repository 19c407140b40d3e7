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
# # Divide and conquer in North America (February 2025)
#
# The US orders 25% on Canada and Mexico and 10% on China. With the talks of
# 3 February, both partners trade a border concession for a pause the same
# day. Without talks, Canada and Mexico each answer; Canada, whose concession
# is cheap, settles first; Mexico, left alone, follows; the US pauses each
# tariff once that partner has settled, and the tariff on China stays.
# Scenario `canada-mexico-fentanyl`, daily rounds.

# %%
import copy

import matplotlib.pyplot as plt

import tariffsim as ts

sc = ts.load_scenario("canada-mexico-fentanyl")
print(repr(sc))
talks = sc.simulate(seed=0)
for a in talks.agreements:
    print(f"round {a.round}: {' and '.join(a.parties)} agree; concessions {a.concessions}")

# %% [markdown]
# ## Without talks: divide and conquer
#
# Switch the talks off (and the demands that tie the orders to them):

# %%
data = copy.deepcopy(dict(sc.data))
data["negotiation"] = {"enabled": False}
del data["demands"]
path = ts.parse_scenario(data).simulate(seed=0)
print("\n".join(path.table().splitlines()[:6]))

# %% [markdown]
# ## Who settled when
#
# A partner *settles* in the first round its answer to the US falls; the US
# *pauses* in the first round its tariff on that partner falls.


# %%
def first_drop(series):
    """First round in which a tariff series falls (None if it never does)."""
    return next((r for r in range(1, len(series)) if series[r] < series[r - 1]), None)


settled = {c: first_drop(path.series(c, "US")) for c in ("CA", "MX")}
paused = {c: first_drop(path.series("US", c)) for c in ("CA", "MX")}
for c in ("CA", "MX"):
    print(f"{c} settles in round {settled[c]} ({path.dates[settled[c]]}); "
          f"the US pauses on {c} in round {paused[c]}")  # fmt: skip
print(f"US tariff on China at the end: {path.series('US', 'CN')[-1]:.0%}")

# %% [markdown]
# ## Why Mexico follows: the coalition term
#
# Mexico gains from resisting only while Canada resists too. Its coalition
# payoff (% of GDP) falls to zero the round Canada settles:

# %%
coalition = path.breakdown("MX")["coalition"]
print("Mexico's coalition gain, rounds 1-3:", [round(float(x), 3) for x in coalition[1:4]])

# %% [markdown]
# ## Counterfactual: Canada's concession is not cheap
#
# Give Canada the default face cost of taking its answer to zero (0.3, where
# the scenario sets 0) and run again: neither partner settles, and the US,
# for which a unilateral pause costs more than it saves, keeps both tariffs.

# %%
data["params"]["face_zero_cost.CA"] = 0.3
alt = ts.parse_scenario(data).simulate(seed=0)
final = {f"{a}->{b}": round(100 * float(alt.series(a, b)[-1])) for a, b in
         [("CA", "US"), ("MX", "US"), ("US", "CA"), ("US", "MX")]}  # fmt: skip
print("final tariffs (%) when Canada's concession is costly:", final)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True, layout="constrained")
dyads = [("US", "CA"), ("US", "MX"), ("CA", "US"), ("MX", "US")]
path.plot(ax=left, dyads=dyads)
left.set_title("Canada's concession is cheap")
alt.plot(ax=right, dyads=dyads)
right.set_title("Canada's concession is costly")
fig.savefig("divide-and-conquer.png", dpi=80)
plt.close(fig)
