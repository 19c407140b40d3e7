"""Checks on the bundled claims data: ids, kinds, sources, key values and article text.

Every default number of the model cites a claim id, so these tests pin the ids other code uses,
check that article claims point at one of the two source articles, and, when the articles are
available beside the repository (``../shared/articles``), that each stated number really
appears in the text of its article.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tariffsim.claims import KINDS, Claim, load_claims

ARTICLE_FILES = ("000_3f0e6f51c097b80d.txt", "004_82dc86d613431f07.txt")
ARTICLES_DIR = Path(__file__).parents[3] / "shared" / "articles"
COUNTRY_CODES = {"US", "CN", "CA", "MX", "JP", "KR", "EU", "IN", "BR", "AU"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
ARTICLE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")

# Ids of the article claims cited by the rest of the package (the project checklist).
REQUIRED_ARTICLE_IDS = (
    "us_tariff_cn_145",
    "us_tariff_cn_10_feb",
    "us_tariff_ca_mx_25_suspended",
    "campaign_60_pct",
    "april2_deadline",
    "reciprocal_announce_week",
    "steel_alu_25",
    "secondary_oil_tariffs_25_50",
    "us_threat_100_nov1",
    "triple_digit_round_prior",
    "lowered_not_eliminated",
    "trump_regret_145",
    "burden_on_us_consumers",
    "shein_temu_prices",
    "amazon_price_display",
    "us_macro_damage",
    "us_recession_odds_60",
    "holiday_price_risk",
    "embargo_equivalent",
    "tariffs_inflation_fed",
    "size_asymmetry_canada",
    "china_self_reliance",
    "cn_needs_us_more",
    "us_idx_20250328",
    "cn_adr_20250328",
    "europe_20250328",
    "nikkei_kospi_20250331",
    "hang_seng_20250331",
    "a_shares_20250331",
    "breadth_599_4749",
    "volume_subdued_0331",
    "cn_bank_recap_500bn",
    "state_funds_backstop",
    "us_idx_20250207",
    "asia_20250207",
    "cn_assets_strong_feb",
    "shanghai_3489",
    "hsi_run_17_days",
    "a_shares_20250210",
    "a_share_turnover_0210",
    "breadth_3399_1814",
    "wall_street_turned",
    "selloff_oct_threat",
    "us_stem_losses",
    "priority_stabilize_markets",
    "approval_39_45",
    "bipartisan_criticism",
    "ackman_nuclear_winter",
    "musk_navarro_clash",
    "base_betrayed",
    "face_saving_retreat",
    "friendly_manner",
    "claim_china_initiated",
    "us_outreach_channels",
    "cn_denies_talks",
    "us_daily_contact_claim",
    "progress_statements",
    "cn_door_open_fight",
    "cn_no_unilateral_concessions",
    "cn_actions_not_words",
    "cn_core_interests_dignity",
    "china_held_firm",
    "no_win_by_force",
    "outcomes_menu",
    "five_pressures",
    "trudeau_weak_domestic",
    "canada_cautious",
    "non_economic_pretext",
    "cheap_compliance_canada",
    "show_toughness_works",
    "win_at_alliance_cost",
    "anti_china_coalition_failed",
    "allies_resist",
    "japan_distancing",
    "us_isolation",
    "deal_hint_pressure_others",
    "canada_oil_refineries",
    "us_auto_reliance_mexico",
    "trump_priorities_fossil_autos",
    "canada_concession_isolates_mexico",
    "target_weaker_first",
    "china_real_target",
    "partners_seek_alternatives",
    "relations_not_improved",
    "wto_disrupted",
    "us_isolation_helps_china",
    "rare_earth_controls_trigger",
    "summit_cancel_threat",
    "public_soft_private_pressure",
    "flareup_cycle",
    "cn_save_summit",
    "us_middle_east_distraction",
    "us_toolkit_options",
    "soft_post_dont_worry",
    "bessent_open_with_countermeasures",
    "relationship_good",
    "mofcom_no_specific_threat",
    "controls_not_bans",
    "cn_media_low_coverage",
    "no_full_reversal",
    "cn_retaliation_if_us_persists",
    "us_demands_rescind",
    "uscbc_choice",
)

# Ids of the public-data assumptions cited by the rest of the package.
REQUIRED_ASSUMPTION_IDS = (
    "gdp_2024", "trade_us_cn_2024", "trade_us_ca_2024", "trade_us_mx_2024",
    "trade_us_total_2024", "trade_mx_cn_2024", "trade_ca_cn_2024", "trade_cn_customs_us_2024",
    "trade_third_parties_2024", "trade_ca_mx_2024", "usmca_exempt_share",
    "pass_through_border_2018", "pass_through_retail", "import_elasticity_short_run",
    "trade_elasticity_long_run", "optimal_tariff_rule", "ossa_tariffs", "ossa_welfare_loss",
    "welfare_2018_19", "grim_trigger_condition", "canada_crude_share", "mexico_autoparts_share",
    "china_rare_earth_share", "us_recession_baseline", "us_approval_feb2025",
    "cal_2025_02_01", "cal_2025_03_03", "cal_2025_03_24", "cal_2025_03_31", "cal_2025_04_02",
    "cal_2025_04_04", "cal_2025_10_09", "cal_2025_10_10", "cal_2025_10_30",
)  # fmt: skip

# Key numbers as the articles (or the public calendar) state them.
KEY_VALUES = [
    ("us_tariff_cn_145", (145.0,)),
    ("trump_regret_145", (145.0,)),
    ("cn_tariff_us_125", (125.0,)),
    ("cal_2025_04_09", (125.0, 145.0)),
    ("us_recession_odds_60", (60.0,)),
    ("campaign_60_pct", (60.0,)),
    ("approval_39_45", (39.0, 45.0)),
    ("breadth_599_4749", (599.0, 4749.0)),
    ("cn_bank_recap_500bn", (500.0,)),
    ("cal_2025_03_31", (500.0,)),
    ("us_threat_100_nov1", (100.0,)),
    ("cal_2025_10_10", (100.0,)),
    ("secondary_oil_tariffs_25_50", (25.0, 50.0)),
    ("cal_2025_04_02", (10.0, 34.0)),
    ("us_tariff_cn_10_feb", (10.0,)),
    ("cal_2025_02_01", (25.0, 10.0, 10.0)),
    ("cal_2025_03_03", (20.0, 25.0)),
    ("us_tariff_ca_mx_25_suspended", (25.0,)),
    ("us_idx_20250328", (-1.69, -2.7, -1.97)),
    ("us_idx_20250207", (-0.99, -1.36, -0.95)),
]

# Numbers the articles write in words rather than digits.
TEXT_ALIASES: dict[str, dict[float, tuple[str, ...]]] = {"five_pressures": {5.0: ("five",)}}


def _article_claims() -> list[Claim]:
    return [c for c in load_claims().values() if c.kind == "article"]


def _assumptions() -> list[Claim]:
    return [c for c in load_claims().values() if c.kind == "assumption"]


def _raw_ids() -> list[str]:
    """Ids as written in the data files, before the loader de-duplicates anything."""
    ids: list[str] = []
    data_dir = resources.files("tariffsim") / "data"
    for entry in sorted(data_dir.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            ids.extend(str(e["id"]) for e in data.get("claim", []))
    return ids


def test_claims_load_with_enough_article_claims() -> None:
    claims = load_claims()
    assert len(_article_claims()) >= 90
    assert len(_article_claims()) >= len(REQUIRED_ARTICLE_IDS)
    assert len(_assumptions()) >= len(REQUIRED_ASSUMPTION_IDS)
    assert all(c.kind in KINDS for c in claims.values())


def test_required_article_ids_present() -> None:
    claims = load_claims()
    missing = [i for i in REQUIRED_ARTICLE_IDS if i not in claims]
    assert not missing, f"article claims missing: {missing}"
    wrong = [i for i in REQUIRED_ARTICLE_IDS if claims[i].kind != "article"]
    assert not wrong, f"should be kind='article': {wrong}"


def test_required_assumption_ids_present() -> None:
    claims = load_claims()
    missing = [i for i in REQUIRED_ASSUMPTION_IDS if i not in claims]
    assert not missing, f"assumptions missing: {missing}"
    wrong = [i for i in REQUIRED_ASSUMPTION_IDS if claims[i].kind != "assumption"]
    assert not wrong, f"should be kind='assumption': {wrong}"


def test_ids_unique_and_snake_case() -> None:
    ids = _raw_ids()
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate claim ids: {duplicates}"
    bad = [i for i in ids if not SNAKE_CASE.fullmatch(i)]
    assert not bad, f"ids not in snake_case: {bad}"
    assert len(ids) == len(load_claims())


def test_article_claims_cite_an_article_and_its_piece() -> None:
    for c in _article_claims():
        assert c.source in ARTICLE_FILES, f"{c.id}: source {c.source!r}"
        assert c.section.startswith(c.source[:3]), f"{c.id}: section {c.section!r}"


def test_assumptions_cite_a_public_source() -> None:
    for c in _assumptions():
        assert c.source.strip(), f"{c.id}: empty source"
        assert c.source not in ARTICLE_FILES, f"{c.id}: cites an article"
        assert not ARTICLE_NAME.search(c.source), f"{c.id}: cites an article"
        assert c.section.strip(), f"{c.id}: empty section"


def test_every_claim_is_described() -> None:
    for c in load_claims().values():
        assert c.unit.strip(), f"{c.id}: empty unit"
        assert c.paraphrase.strip(), f"{c.id}: empty paraphrase"
        assert "\n" not in c.paraphrase, f"{c.id}: paraphrase spans lines"
        assert set(c.concerns) <= COUNTRY_CODES, f"{c.id}: unknown code in {c.concerns}"
        assert len(set(c.concerns)) == len(c.concerns), f"{c.id}: repeated country code"
        assert all(np.isfinite(c.values)), f"{c.id}: non-finite value"


def test_article_claims_name_countries_and_terms() -> None:
    for c in _article_claims():
        assert c.concerns, f"{c.id}: concerns no country"
        assert c.terms, f"{c.id}: feeds no model term"
        assert c.direction.strip(), f"{c.id}: no direction of effect"


@pytest.mark.parametrize(("claim_id", "expected"), KEY_VALUES, ids=[k for k, _ in KEY_VALUES])
def test_key_values(claim_id: str, expected: tuple[float, ...]) -> None:
    np.testing.assert_allclose(load_claims()[claim_id].values, expected)


def test_escalated_state_is_worse_than_baseline() -> None:
    claims = load_claims()
    assert max(claims["us_recession_baseline"].values) < claims["us_recession_odds_60"].values[0]
    assert min(claims["us_approval_feb2025"].values) >= max(claims["approval_39_45"].values)
    lo, hi = claims["approval_39_45"].values
    assert lo < hi


def test_country_vectors_have_documented_length() -> None:
    claims = load_claims()
    assert len(claims["gdp_2024"].values) == 10
    assert claims["gdp_2024"].unit.endswith("(order: US, CN, JP, IN, BR, CA, MX, AU, KR, EU)")
    assert len(claims["trade_third_parties_2024"].values) == 6 * 4
    assert all(v > 0 for c in ("gdp_2024", "trade_third_parties_2024") for v in claims[c].values)


def _text_forms(value: float) -> tuple[str, ...]:
    """The ways a number may be written: "1.69", "4", "4,749"."""
    a = abs(value)
    forms = {f"{a:g}", f"{a:,g}"}
    if a.is_integer():
        forms |= {f"{int(a)}", f"{int(a):,}"}
    return tuple(sorted(forms))


def _occurs(number: str, text: str) -> bool:
    """``number`` appears in ``text`` as a whole number (not inside a longer one)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![.,]?\d)", text) is not None


def _article_cases() -> list[object]:
    if not ARTICLES_DIR.is_dir():
        return [pytest.param(None, id="articles-folder-absent")]
    return [
        pytest.param(c.id, id=c.id)
        for c in _article_claims()
        if c.values and (ARTICLES_DIR / c.source).is_file()
    ]


@pytest.mark.parametrize("claim_id", _article_cases())
def test_article_numbers_appear_in_the_article(claim_id: str | None) -> None:
    if claim_id is None:
        # The articles are not beside the repository: there is no text to compare against.
        assert not ARTICLES_DIR.is_dir()
        return
    claim = load_claims()[claim_id]
    text = (ARTICLES_DIR / claim.source).read_text(encoding="utf-8")
    aliases = TEXT_ALIASES.get(claim_id, {})
    for v in claim.values:
        forms = _text_forms(v) + aliases.get(v, ())
        assert any(_occurs(f, text) for f in forms), f"{claim_id}: {v:g} not in {claim.source}"
