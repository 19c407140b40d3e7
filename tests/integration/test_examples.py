"""Every example in ``examples/`` runs to the end and shows what it says it shows.

Each example is a jupytext percent-format script (``# %%`` cells), so it opens
as a notebook; here it runs as a script with ``runpy`` in a temporary folder
(the files it writes land there), under the Agg backend, and the test checks
one or two facts it prints or leaves in its namespace.
"""

from __future__ import annotations

import re
import runpy
import time
from pathlib import Path
from typing import Any

import matplotlib
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[dict, str]:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    try:
        ns: dict[str, Any] = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    except SystemExit as e:  # an example with a main() that returns its status
        assert e.code in (0, None), f"{name} exited with {e.code}"
        ns = {}
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    assert time.perf_counter() - t0 < 30, f"{name} is too slow for an example"
    return ns, capsys.readouterr().out


def test_every_example_is_tested_and_is_a_notebook() -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert names == sorted(TESTS), "add a test for every example"
    for name in names:
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        assert "formats: py:percent" in text and "# %% [markdown]" in text, name
        assert text.count("# %%") >= 4, name


def check_quickstart(ns: dict, out: str, tmp: Path) -> None:
    assert ns["peak"] == pytest.approx(1.45)
    assert "US tariff on China peaks at 145% in round 11" in out
    assert ns["total"] == pytest.approx(float(ns["path"].payoff[ns["peak_round"], 0]))
    assert (tmp / "us-china-145.png").read_bytes()[:4] == b"\x89PNG"


def check_beliefs(ns: dict, out: str, tmp: Path) -> None:
    assert ns["peak_with_belief"] == pytest.approx(1.45)
    assert ns["peak_with_truth"] < ns["peak_with_belief"]
    assert ns["truth"].beliefs() == [] and ns["sc"].beliefs()
    geneva = ns["sc"].simulate(seed=0).agreements[0].round  # the first cut is Geneva's
    assert f"The US first cuts in round {geneva}," in out
    assert (tmp / "beliefs-vs-truth.png").is_file()


def check_divide_and_conquer(ns: dict, out: str, tmp: Path) -> None:
    assert [a.parties for a in ns["talks"].agreements] == [("US", "MX"), ("US", "CA")]
    assert ns["settled"]["CA"] < ns["settled"]["MX"]
    assert ns["paused"] == {"CA": 3, "MX": 4}
    assert ns["final"] == {"CA->US": 10, "MX->US": 10, "US->CA": 25, "US->MX": 25}
    assert "US tariff on China at the end: 10%" in out


def check_equilibria(ns: dict, out: str, tmp: Path) -> None:
    assert ns["mpe"].converged
    assert ns["stage_equilibria"]["the peak"] == [("de-escalate", "de-escalate")]
    for p in ns["paths"].values():
        assert float(p.series("US", "CN")[-1]) == 0.0
    assert re.search(r"the peak\s+US->CN %: \[145, 104, 54", out)
    assert (tmp / "peak.nfg").read_text().startswith("NFG 1 R")
    assert (tmp / "mpe-policy.png").is_file() and (tmp / "mpe-paths.png").is_file()


def check_property_testing(ns: dict, out: str, tmp: Path) -> None:
    assert "reciprocator conceded unilaterally on CN->US" in out
    assert "counterexample: round" in out
    assert "FixedReciprocator passed every check." in out


def check_own_scenario(ns: dict, out: str, tmp: Path) -> None:
    assert ns["sc"].name == "us-eu-what-if" and ns["sc"].players == ("US", "EU")
    assert ns["eu_answer"] == pytest.approx(0.10)
    assert ns["absorbed"].peak("EU", "US") == 0.0
    assert len(ns["problems"]) == 2 and "myopc" in ns["problems"][0]
    assert (tmp / "us-eu-what-if.toml").is_file()


TESTS = {
    "01_quickstart.py": check_quickstart,
    "02_the_145_path_explained.py": check_beliefs,
    "03_divide_and_conquer.py": check_divide_and_conquer,
    "04_equilibrium_analysis.py": check_equilibria,
    "05_property_test_strategy.py": check_property_testing,
    "06_your_own_scenario.py": check_own_scenario,
}


@pytest.mark.parametrize("name", sorted(TESTS))
def test_example_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    ns, out = _run(name, tmp_path, monkeypatch, capsys)
    TESTS[name](ns, out, tmp_path)
