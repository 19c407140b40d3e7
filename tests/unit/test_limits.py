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


def test_numbers_of_thousands_of_digits_are_refused_by_name(tmp_path) -> None:
    """Python will not write an int of more than 4300 digits as text: the limits' message
    and the TOML reader raised its bare ValueError (a traceback from `tariffsim show`)."""
    from tariffsim.limits import shown

    assert shown(10**5000) == "1.00e+5000" and shown(9995 * 10**40) == "1.00e+44"
    g = ts.load_scenario("us-china-145").game
    with pytest.raises(ts.LimitError, match=r"`rounds`: 1\.00e\+5000 exceeds the limit"):
        ts.simulate(g, 10**5000)
    f = tmp_path / "big.toml"
    f.write_text('format = 1\nname = "m"\n[calendar]\nrounds = ' + "9" * 5000 + "\n")
    with pytest.raises(ts.ScenarioError, match="malformed TOML: a number it cannot read"):
        ts.load_scenario(f)
    for levels, says in (((0, 10**400), "`levels` must be numbers"),
                         ((0, 1e300), r"`levels` must be at most 10 \(1000%\)")):  # fmt: skip
        with pytest.raises(ts.ParameterError, match=says):
            ts.Ladder(levels)
    with pytest.raises(ts.ParameterError, match="`down_only` must be a sequence of rungs"):
        ts.Ladder((0, 0.1, 0.2), down_only=None)  # type: ignore[arg-type]
