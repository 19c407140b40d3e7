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


def test_summary_ensemble_on_dask_equals_in_process_and_threads(client: Any) -> None:
    """Counts reduced on Dask workers, on threads and in-process, any chunking: the same bits."""
    from concurrent.futures import ThreadPoolExecutor

    import tariffsim as ts
    from tariffsim.analysis.reduce import INDICATORS, Threshold

    events = {
        "peak 145": Threshold("US", "CN", at_least=1.45),
        "US odds >= 50%": Threshold("recession", "US", at_least=0.5),
        # a user function of a chunk; Dask ships lambdas by value (cloudpickle)
        "final <= 30%": lambda pb: pb.tariff_series("US", "CN")[:, -1] <= 0.3,
    }
    kw = {"runs": 12, "seed": 5, "vary": "claims", "rounds": 10, "keep": "summary",
          "events": events}  # fmt: skip
    ref = ts.ensemble("us-china-145", **kw)
    with ThreadPoolExecutor(2) as pool:
        threads = ts.ensemble("us-china-145", **kw, executor=pool, chunk_size=5)
    dask = ts.ensemble("us-china-145", **kw, executor=client, chunk_size=3)
    full = ts.ensemble("us-china-145", runs=12, seed=5, vary="claims", rounds=10)
    for got in (threads, dask):
        for f in ("levels", "counts", "peak"):
            assert (
                getattr(got.counts.tariff, f).tobytes() == getattr(ref.counts.tariff, f).tobytes()
            )
        assert got.counts.events.tobytes() == ref.counts.events.tobytes()
        for k in INDICATORS:
            for f in ("slot", "bin", "count"):
                a, b = getattr(got.counts.hist[k], f), getattr(ref.counts.hist[k], f)
                assert a.tobytes() == b.tobytes(), (k, f)
        q = [0.05, 0.5, 0.95]
        assert got.quantiles("US", "CN", q).values.tobytes() == (
            full.quantiles("US", "CN", q).values.tobytes()
        )
        assert got.prob("peak 145") == full.prob(full.peak("US", "CN") >= 1.45)


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")  # (a short search)
def test_calibration_on_dask_equals_in_process(client: Any) -> None:
    """Each generation of the fit is one call of the runner with the same job: every call
    scatters it under a key of its own (a key shared with the last call lost its data)."""
    import tariffsim as ts

    kw: dict[str, Any] = {
        "popsize": 3, "maxiter": 2, "profile_points": 3, "profile_samples": 0,
        "progress": False,
    }  # fmt: skip
    bounds = {"learning_rate.US": (0.02, 0.4)}
    ref = ts.calibrate("us-china-145", "us-china-2025", bounds, **kw)
    got = ts.calibrate("us-china-145", "us-china-2025", bounds, **kw, executor=client)
    assert got.report() == ref.report()


class _UsersOwnError(Exception):
    """An error class of a user's."""


class _RaisesInRoundTwo:
    """A user's per-run strategy that raises its own error in round 2."""

    name = "raises-in-round-two"

    def __init__(self) -> None:
        import tariffsim as ts

        self.traits = ts.Traits()

    def act(self, obs, rng):  # type: ignore[no-untyped-def]
        if obs.round == 2:
            raise _UsersOwnError(f"no move in round {obs.round}")
        return dict.fromkeys(obs.targets, 0)


def test_a_users_own_error_comes_through_dask_as_it_is(client: Any) -> None:
    """The user's exception, not a WorkerError, as in one process: the workers get this
    module's classes by value (a user's notebook classes travel the same way)."""
    import dataclasses
    import sys

    import cloudpickle

    import tariffsim as ts

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        g = ts.load_scenario("us-china-145").game
        g = g.replace(
            agents=tuple(dataclasses.replace(a, strategy=_RaisesInRoundTwo()) for a in g.agents)
        )
        with pytest.raises(_UsersOwnError, match=r"^no move in round 2$") as info:
            ts.ensemble(g, runs=4, rounds=4, seed=0, executor=client, chunk_size=2)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert type(info.value).__name__ == "_UsersOwnError"


class _TwoArgsError(Exception):
    """A user's error whose ``__init__`` takes two arguments and keeps one message as its
    args (pickle alone cannot rebuild it)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what}/{where}")


class _LockedError(Exception):
    """A user's error holding a lock, which does not pickle."""

    def __init__(self, message: str) -> None:
        import threading

        super().__init__(message)
        self.lock = threading.Lock()


class _RaisesItsError:
    """A user's per-run strategy that raises, in round 2, an error of the class ``error``."""

    name = "raises-its-error"

    def __init__(self, error: str) -> None:
        import tariffsim as ts

        self.traits = ts.Traits()
        self.error = error

    def act(self, obs, rng):  # type: ignore[no-untyped-def]
        if obs.round == 2:
            if self.error == "lock":
                raise _LockedError(f"no move in round {obs.round}")
            raise _TwoArgsError("no move", f"round {obs.round}")
        return dict.fromkeys(obs.targets, 0)


@pytest.mark.parametrize("error", ["two-args", "lock"])
def test_a_users_error_that_pickle_cannot_rebuild_on_dask(client: Any, error: str) -> None:
    """Dask rebuilds an error whose __init__ takes other arguments than its args itself: it
    comes through as it is. One holding a lock cannot be sent: a WorkerError naming its
    class, with its message and the worker's traceback (it was Dask's bare Exception holding
    a repr of tariffsim's wrapper)."""
    import dataclasses
    import sys

    import cloudpickle

    import tariffsim as ts
    from tariffsim.errors import WorkerError

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        g = ts.load_scenario("us-china-145").game
        strategy = _RaisesItsError(error)
        g = g.replace(agents=tuple(dataclasses.replace(a, strategy=strategy) for a in g.agents))
        with pytest.raises(Exception) as info:
            ts.ensemble(g, runs=4, rounds=3, seed=0, executor=client, chunk_size=2)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    if error == "two-args":
        assert type(info.value).__name__ == "_TwoArgsError"
        assert str(info.value) == "no move/round 2"
        return
    assert type(info.value) is WorkerError
    msg = str(info.value)
    assert f"the work raised {__name__}._LockedError: no move in round 2;" in msg
    assert "cannot pickle '_thread.lock' object" in msg
    assert "in act" in msg and msg.endswith("_LockedError: no move in round 2")
    assert "died" not in msg and "_RaisedInWork" not in msg


def test_a_closed_client_is_named(client: Any) -> None:
    from dask.distributed import Client

    import tariffsim as ts
    from tariffsim.errors import ParameterError

    closed = Client(client.cluster)
    closed.close()
    with pytest.raises(ParameterError, match=r"`executor` .* is shut down \(or closed\)"):
        ts.ensemble("us-china-145", runs=4, rounds=3, vary="claims", executor=closed)


def test_a_scheduler_without_workers_says_so_and_the_work_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scheduler with no workers: the ensemble waited without a word (the shared input
    waits for a worker before any chunk is sent). Now a NoWorkersWarning says so, and the
    work goes on once a worker joins, with the in-process numbers."""
    import threading

    from dask.distributed import Client, LocalCluster

    import tariffsim as ts
    from tariffsim.analysis import runner

    monkeypatch.setattr(runner, "NO_WORKERS_SECONDS", 0.5)
    kw = {"runs": 6, "seed": 5, "vary": "claims", "rounds": 6, "progress": False}
    ref = ts.ensemble("us-china-145", **kw)
    with (
        LocalCluster(
            n_workers=0, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        later = threading.Timer(3.0, cluster.scale, args=(1,))  # a worker joins later
        later.start()
        try:
            with pytest.warns(ts.NoWorkersWarning, match=r"no workers for 0\.5 s") as got_w:
                got = ts.ensemble("us-china-145", **kw, executor=c)
        finally:
            later.join()
    assert len([w for w in got_w if w.category is ts.NoWorkersWarning]) == 1  # said once
    for name in ("tariff", "recession", "approval", "payoff", "drawdown"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)
