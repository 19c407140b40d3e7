"""The property-testing example runs, catches the buggy strategy and passes the fixed one."""

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "property_test_strategy.py"


def test_example_runs_and_shows_the_failure():
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "reciprocator conceded unilaterally on CN->US" in out.stdout
    assert "counterexample: round" in out.stdout
    assert "FixedReciprocator passed every check." in out.stdout
