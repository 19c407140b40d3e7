"""Doctest namespace: ``ts`` and ``np`` are preloaded in every docstring example."""

import os
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import settings

import tariffsim as ts

# progress bars never draw in test output (tariffsim.progress); subprocesses inherit it
os.environ["TARIFFSIM_PROGRESS"] = "0"

# Property tests draw the same examples in every run, on every machine (a failure in CI is
# one anyone can replay); HYPOTHESIS_PROFILE=explore draws new ones each run, to hunt.
settings.register_profile("tariffsim", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tariffsim"))


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace["ts"] = ts
    doctest_namespace["np"] = np


def open_descriptors(*marks: str) -> list[str]:
    """What this process's open descriptors point at (``/proc/self/fd``), those whose target
    starts with or contains one of ``marks`` (``"pipe:"``, ``"tariffsim-arrays"``), sorted:
    a test counts the kinds it opens, not a client's sockets that other tests' clusters may
    leave opening and closing in the background."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # (closed meanwhile: the listing's own descriptor, say)
            continue
        if any(target.startswith(m) or m in target for m in marks):
            out.append(target)
    return sorted(out)


@pytest.fixture
def descriptors() -> Callable[..., list[str]]:
    """:func:`open_descriptors`, for a test."""
    return open_descriptors


# Peer cross-checks against optional heavy packages (pygambit builds from source)
# run only on request: TARIFFSIM_PEERS=1 python -m pytest tests/peers
if os.environ.get("TARIFFSIM_PEERS") != "1":
    collect_ignore_glob = ["tests/peers/*"]
