"""Fuzz: thousands of malformed copies of the bundled scenario files.

Each case is a bundled file broken by one to three seeded mutations (of its
structure or of its bytes, see ``tariffsim._fuzz``), written to disk, loaded
with ``load_scenario`` and, if it loads, played. The invariant: only
tariffsim errors come out, every number of a played path is finite, and no
run goes beyond the limits (the limits bound the work, so no timing is
asserted). The default profile runs 2,000 cases; set ``TARIFFSIM_FUZZ=deep``
for 50,000 (or ``TARIFFSIM_FUZZ=<number>``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import tariffsim as ts
from tariffsim._fuzz import check, malformed

_PROFILE = os.environ.get("TARIFFSIM_FUZZ", "")
CASES = 50_000 if _PROFILE == "deep" else int(_PROFILE) if _PROFILE.isdigit() else 2_000
CHUNKS = 20
ROUNDS = 8  # rounds played per case that loads (every round is the same code)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_malformed_files_give_only_tariffsim_errors(chunk: int, tmp_path: Path) -> None:
    outcomes: dict[str, int] = {}
    with warnings.catch_warnings(), ts.limits.override(max_rounds=200, max_file_bytes=1_000_000):
        warnings.simplefilter("ignore")  # warnings are not the invariant here; errors are
        for k in range(CASES // CHUNKS):
            seed = chunk * 1_000_003 + k
            name, raw = malformed(np.random.default_rng(seed))
            out = check(raw, tmp_path, rounds=ROUNDS)
            assert not out.startswith("escape"), (seed, name, out, raw[:400])
            outcomes[out] = outcomes.get(out, 0) + 1
    assert outcomes.get("error", 0) > 0  # the mutations do break files


def test_unbroken_bundled_files_still_play(tmp_path: Path) -> None:
    """The checker itself passes the good files (so "error" above means broken)."""
    from tariffsim._fuzz import bases

    for text in bases().values():
        assert check(text.encode("utf-8"), tmp_path, rounds=ROUNDS) == "ok"
