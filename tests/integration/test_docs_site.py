"""The docs site: offline math, the claims catalogue, claim links, a complete API index."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import tariffsim
import tariffsim as ts

DOCS = Path(__file__).resolve().parents[2] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import claims_catalogue  # noqa: E402
import offline_mathjax  # noqa: E402


def test_mathjax_is_served_locally() -> None:
    src = offline_mathjax.source()
    assert (src / offline_mathjax.SCRIPT).stat().st_size > 100_000
    assert any((src / offline_mathjax.FONTS).glob("*.woff"))
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert '"offline_mathjax"' in conf and "cdn" not in conf.lower()


def test_catalogue_lists_every_claim_and_article() -> None:
    page = claims_catalogue.render()
    for cid in ts.claims:
        assert f"(claim-{cid})=\n### {cid}\n" in page
    assert "The Wall Street Journal" in page and "13 Oct 2025" in page


def test_claim_ids_become_links_outside_code() -> None:
    ids = {"us_recession_odds_60"}
    text = "see `us_recession_odds_60` and `other`\n```\n`us_recession_odds_60`\n```\n"
    out = claims_catalogue.link_claim_ids(text, ids)
    assert out.splitlines()[0] == (
        "see {ref}`us_recession_odds_60 <claim-us_recession_odds_60>` and `other`"
    )
    assert out.splitlines()[2] == "`us_recession_odds_60`"


def _public_modules() -> set[str]:
    out = set()
    for m in pkgutil.walk_packages(tariffsim.__path__, "tariffsim."):
        if any(part.startswith("_") for part in m.name.split(".")):
            continue
        importlib.import_module(m.name)
        out.add(m.name)
    return out


def test_api_index_covers_every_public_module() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md"))
    missing = sorted(m for m in _public_modules() if m not in text)
    assert not missing, f"modules missing from docs/api: {missing}"
