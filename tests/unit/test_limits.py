"""`tariffsim.limits`: the helpers refuse what is not a limit or a number."""

from __future__ import annotations

import pytest

import tariffsim as ts


def test_limit_helpers_refuse_bad_arguments() -> None:
    for bad in ("x", 5, {"max_rounds": 3}):
        with (
            pytest.raises(ts.ParameterError, match="`limits` must be"),
            ts.limits.override(bad),  # type: ignore[arg-type]
        ):
            pass
    with pytest.raises(ts.ParameterError, match="unknown limit 'nope'"):
        ts.limits.check("nope", 1, "x")
    with pytest.raises(ts.ParameterError, match="must be a number"):
        ts.limits.check("max_rounds", float("nan"), "rounds")
    with pytest.raises(ts.errors.LimitError):
        ts.limits.check("max_rounds", float("inf"), "rounds")
