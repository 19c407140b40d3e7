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
# # Quickstart: the US–China tariff war of 2025
#
# Load the bundled scenario `us-china-145`, play it, plot it and read why each
# side moved. In a notebook every object below shows itself as a table (try
# evaluating `sc` or `path` alone in a cell); in a script we print.
#
# Open this file as a notebook with `jupytext --to notebook 01_quickstart.py`
# (or JupyterLab with the jupytext extension), or run it: `python 01_quickstart.py`.

# %%
import matplotlib.pyplot as plt

import tariffsim as ts

sc = ts.load_scenario("us-china-145")
print(repr(sc))
print("players:", sc.players)

# %% [markdown]
# ## Play it
#
# `simulate` returns an immutable `Path`: one row per weekly round (row 0 is
# the starting state). Tariffs are fractions in Python (1.45 is 145%) and
# percent in tables.

# %%
path = sc.simulate(seed=0)
print(path.table())
peak = path.peak("US", "CN")
peak_round = int(path.series("US", "CN").argmax())
print(f"\nUS tariff on China peaks at {peak:.0%} in round {peak_round} ({path.dates[peak_round]})")
print(f"and ends at {path.series('US', 'CN')[-1]:.0%}")

# %% [markdown]
# ## Plot it
#
# `path.plot()` draws the tariffs with the events and the recession odds and
# returns the matplotlib `Axes`, so you can add to it or save it.

# %%
ax = path.plot()
ax.figure.savefig("us-china-145.png", dpi=80)
plt.close(ax.figure)

# %% [markdown]
# ## Why each side moved: the payoff breakdown
#
# `path.breakdown("US")` gives every payoff term of the US per round, in % of
# GDP (negative is a loss). At the peak the US pays in tariff pain, recession
# risk and market losses; the terms add up to its total payoff.

# %%
bd = path.breakdown("US")
at_peak = {term: round(float(v[peak_round]), 3) for term, v in bd.items()}
for term, value in sorted(at_peak.items(), key=lambda kv: kv[1]):
    print(f"  {term:<12} {value:+.3f}")
total = sum(float(v[peak_round]) for v in bd.values())
print(f"  {'total':<12} {total:+.3f}  (path.payoff: {float(path.payoff[peak_round, 0]):+.3f})")

# %% [markdown]
# Every default number cites a claim from the articles or a public source:

# %%
c = ts.claims["us_recession_odds_60"]
print(c.id, c.value, c.unit, "—", c.paraphrase)
