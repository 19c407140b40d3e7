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
# # Build your own scenario file and run it
#
# A scenario is a TOML file: a calendar, changes to the default world,
# parameter overrides, the agents and the scheduled events (the format is
# documented field by field in `docs/scenario-format.md`). Here we write an
# illustrative what-if — the US puts 20% on the European Union and the EU
# chooses whether to answer — load it, check it, run it and change it.
#
# The numbers below that are not defaults (the ladders, the EU's resolve) are
# choices for the example, not calibrated claims.

# %%
import copy
import tomllib
from pathlib import Path

import matplotlib.pyplot as plt

import tariffsim as ts

SCENARIO = """
format = 1
name = "us-eu-what-if"
title = "What if: 20% on the EU, answered or absorbed"
description = "The US sets 20% on EU goods; the EU chooses its answer from then on."
outcomes = ["the EU answers the 20%"]

[calendar]
start = 2025-04-01
round_days = 7
rounds = 12

[world.ladders]
"US-EU" = [0.0, 0.1, 0.2]
"EU-US" = [0.0, 0.1, 0.2, 0.25]

[params]
"resolve_weight.US" = 0.5
"resolve_weight.EU" = 1.5

[[agents]]
country = "US"
strategy = "myopic"
targets = ["EU"]

[[agents]]
country = "EU"
strategy = "myopic"
targets = ["US"]

[[events]]
date = 2025-04-09
kind = "set"
dyad = "US-EU"
level = 0.2
label = "US 20% on the EU"
"""

path_to_file = Path("us-eu-what-if.toml")
path_to_file.write_text(SCENARIO, encoding="utf-8")

# %% [markdown]
# ## Load and inspect
#
# `ts.load_scenario` takes a bundled name or a path. It validates every field
# before anything runs. `sc.describe()` (or `tariffsim show us-eu-what-if.toml`,
# or just `sc` in a notebook) shows the agents, every parameter with the
# claims behind it, and the events.

# %%
sc = ts.load_scenario(path_to_file)
print(repr(sc))
print(sc.describe().split("\nparameters")[0])

# %% [markdown]
# ## Run it

# %%
path = sc.simulate(seed=0)
print(path.table())
eu_answer = path.peak("EU", "US")
print(f"\nthe EU answers with up to {eu_answer:.0%}; "
      f"the US tariff on the EU ends at {path.series('US', 'EU')[-1]:.0%}")  # fmt: skip
ax = path.plot()
ax.figure.savefig("us-eu-what-if.png", dpi=80)
plt.close(ax.figure)

# %% [markdown]
# ## Mistakes are reported all at once
#
# Every problem is listed with the path of the field at fault:

# %%
broken = SCENARIO.replace('strategy = "myopic"', 'strategy = "myopc"', 1).replace(
    "level = 0.2", "level = 0.15"
)
try:
    ts.parse_scenario(tomllib.loads(broken))
except ts.ScenarioError as e:
    problems = e.problems
    print(e)

# %% [markdown]
# ## Change one assumption and run again
#
# `sc.data` is the mapping the file was parsed from; edit a copy and parse it.
# With a lower resolve (0.5 instead of 1.5) an unanswered tariff costs the EU
# less than answering it, and the EU absorbs the tariff.

# %%
data = copy.deepcopy(dict(sc.data))
data["params"]["resolve_weight.EU"] = 0.5
absorbed = ts.parse_scenario(data).simulate(seed=0)
print(f"EU answer with resolve 1.5: {eu_answer:.0%}; with resolve 0.5: "
      f"{absorbed.peak('EU', 'US'):.0%}")  # fmt: skip
