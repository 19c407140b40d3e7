"""Doctest namespace: ``ts`` and ``np`` are preloaded in every docstring example."""

import numpy as np
import pytest

import tariffsim as ts


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace["ts"] = ts
    doctest_namespace["np"] = np
