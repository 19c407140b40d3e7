"""Sphinx extension: the claims catalogue page, and claim ids linked from every page.

At build start it writes ``claims.md`` (generated from ``tariffsim.claims``, so it never goes
stale); while reading each page, every backticked claim id outside code blocks becomes a link
to the claim's entry in the catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tariffsim.claims import CLAIM_TOPICS, MODEL_OBJECTS, articles, load_claims

PAGE = "claims"
_FENCE = re.compile(r"^\s*(```|~~~)")
_TICKED = re.compile(r"(?<![`{])`([a-z][a-z0-9_]*)`(?!`)")


def _cell(x: object) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _value(v: object) -> str:
    if isinstance(v, tuple):
        return "–".join(f"{x:g}" for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def render() -> str:
    """The catalogue page as MyST Markdown."""
    cs = load_claims()
    out = [
        "# Claims catalogue",
        "",
        "Every default number in tariffsim cites one or more claims by id. A claim is a number",
        "or a direction stated in one of the source articles (*article*), or a modelling input",
        "that no article gives, with its public source (*assumption*). This page is generated",
        "from `tariffsim/data/*.toml` at build time; in Python, `ts.claims[id].reference` gives",
        "the same citation and `ts.claims.to_frame()` every field.",
        "",
        "## Source articles",
        "",
        "| piece | outlet | title | date | how dated | file |",
        "|---|---|---|---|---|---|",
    ]
    for a in articles().values():
        out.append(
            f"| {a.id} | {_cell(a.outlet)} | {_cell(a.title)} | {a.date:%d %b %Y} | "
            f"{_cell(a.dated)} | {a.file} |"
        )
    out += [
        "",
        "Terms a claim can feed: the payoff terms "
        + ", ".join(f"*{t}*" for t in CLAIM_TOPICS if t not in MODEL_OBJECTS)
        + "; and the model objects "
        + "; ".join(f"*{k}* ({v})" for k, v in MODEL_OBJECTS.items())
        + ".",
    ]
    for kind, head in (("article", "Claims from the articles"), ("assumption", "Assumptions")):
        out += ["", f"## {head}", ""]
        for c in cs.filter(kind=kind).values():
            out += [
                f"(claim-{c.id})=",
                f"### {c.id}",
                "",
                f"**{_value(c.value)}** {c.unit}. {c.paraphrase}",
                "",
                f"- source: {c.reference}",
            ]
            if c.terms:
                out.append(f"- feeds: {', '.join(c.terms)}")
            if c.concerns:
                out.append(f"- concerns: {', '.join(c.concerns)}")
            if c.direction:
                out.append(f"- direction: {c.direction}")
            out.append("")
    return "\n".join(out) + "\n"


def link_claim_ids(text: str, ids: set[str]) -> str:
    """Backticked claim ids outside fenced code blocks become ``{ref}`` links."""
    lines, inside = [], False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            inside = not inside
        elif not inside:
            line = _TICKED.sub(
                lambda m: f"{{ref}}`{m[1]} <claim-{m[1]}>`" if m[1] in ids else m[0], line
            )
        lines.append(line)
    return "".join(lines)


def _write(app: Any, config: Any) -> None:
    page = Path(app.srcdir) / f"{PAGE}.md"
    text = render()
    if not page.exists() or page.read_text(encoding="utf-8") != text:
        page.write_text(text, encoding="utf-8")


def _link(app: Any, docname: str, source: list[str]) -> None:
    if docname != PAGE and not docname.startswith("api/"):
        source[0] = link_claim_ids(source[0], set(load_claims()))


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _write)
    app.connect("source-read", _link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
