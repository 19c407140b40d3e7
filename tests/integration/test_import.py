"""`import tariffsim` stays light: no plotting, testing or solver back-ends loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_loads_no_heavy_optional_modules() -> None:
    code = (
        "import json, sys; import tariffsim; "
        "print(json.dumps({m: m in sys.modules for m in "
        "('matplotlib', 'hypothesis', 'pandas', 'scipy.optimize', 'networkx')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(out.stdout)
    assert loaded == {m: False for m in loaded}, loaded
