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


@pytest.mark.parametrize("text", ["inf", "1e20", "30.0"])
def test_a_float_in_a_whole_number_field_is_named_with_the_field(text: str, tmp_path) -> None:
    """calendar.rounds = inf was 'scenario: value out of range (cannot convert float infinity
    to integer)' without the field; 1e20 was taken for a whole number past the limit."""
    import re
    from importlib import resources

    src = (resources.files("tariffsim") / "scenarios" / "us-china-145.toml").read_text("utf-8")
    bad = re.sub(r"(?m)^rounds = 30$", f"rounds = {text}", src)
    assert bad != src
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ts.ScenarioError, match=r"calendar\.rounds: must be an int in \[1, \d+\]"):
        ts.load_scenario(p)
    big = re.sub(r"(?m)^rounds = 30$", "rounds = 100000", src)
    p.write_text(big, encoding="utf-8")
    with pytest.raises(ts.ScenarioError, match=r"calendar\.rounds: .*exceeds the limit max_rounds"):
        ts.load_scenario(p)
