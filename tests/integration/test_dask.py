"""Work on a dask LocalCluster started here equals the in-process result, bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tariffsim import tournament as T


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_tournament_on_dask_equals_in_process(client: Any) -> None:
    kw = {"rounds": 20, "repetitions": 3, "seed": 3, "noise": 0.1}
    names = ["tit-for-tat", "random", "pavlov"]
    ref = T.round_robin(names, **kw)
    got = T.round_robin(names, **kw, executor=client)
    for s in ("payoff", "mean_tariff", "peak_tariff", "war_rounds", "recession"):
        np.testing.assert_array_equal(getattr(got, f"match_{s}"), getattr(ref, f"match_{s}"))


def test_ensemble_on_dask_equals_in_process(client: Any) -> None:
    import tariffsim as ts

    kw = {"runs": 8, "seed": 5, "vary": "claims", "rounds": 8}
    ref = ts.ensemble("us-china-145", **kw)
    got = ts.ensemble("us-china-145", **kw, executor=client, chunk_size=3)
    for name in ("tariff", "recession", "approval", "payoff", "drawdown"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)
    assert got.draws.keys() == ref.draws.keys()
