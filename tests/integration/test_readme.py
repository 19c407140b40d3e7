"""The README's notebook example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no python example"
    ns: dict[str, object] = {}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), ns)
    path = ns["path"]
    assert round(path.peak("US", "CN"), 2) == 1.45  # type: ignore[attr-defined]
    assert ns["mpe"].converged  # type: ignore[attr-defined]
