"""Doctest namespace: ``ts`` and ``np`` are preloaded in every docstring example."""

import os

import numpy as np
import pytest

import tariffsim as ts

# progress bars never draw in test output (tariffsim.progress); subprocesses inherit it
os.environ["TARIFFSIM_PROGRESS"] = "0"


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace["ts"] = ts
    doctest_namespace["np"] = np


# Peer cross-checks against optional heavy packages (pygambit builds from source)
# run only on request: TARIFFSIM_PEERS=1 python -m pytest tests/peers
if os.environ.get("TARIFFSIM_PEERS") != "1":
    collect_ignore_glob = ["tests/peers/*"]
