"""Every declared source documents itself (the datasette habit), and institutions are known."""

import csv
from pathlib import Path

import pytest

from sources.registry import load_sources, select_sources

SEED = Path(__file__).parents[1] / "dbt_project" / "seeds" / "institutions.csv"
SPECS = load_sources()
SAMPLES = Path(__file__).parents[1] / "sources" / "samples"


def institutions() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8") as handle:
        return {row["institution_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_source_has_a_description_a_licence_and_a_known_owner(name):
    spec = SPECS[name]
    assert len(spec.description.split()) >= 12, f"{name}: describe the source in a sentence or two"
    assert len(spec.licence.split()) >= 4, f"{name}: say under which terms the data may be reused"
    assert spec.institution in institutions(), f"{name}: {spec.institution} is not in {SEED.name}"


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.kind != "curated_csv"))
def test_verified_sources_have_samples_and_unverified_boards_have_none(name):
    """A board whose markup was never seen gets no invented pages; an API source whose codes
    are still to be confirmed may carry answers in the API's known format."""
    spec = SPECS[name]
    if spec.verified:
        assert (SAMPLES / name / "manifest.yaml").is_file(), f"{name}: no sample pages to replay"
    else:
        assert spec.homepage, f"{name}: an unverified source names its homepage"
    if not spec.verified and spec.kind == "html_board":
        assert not (SAMPLES / name).exists(), f"{name}: unverified boards get no invented pages"


def test_unverified_sources_stay_out_of_a_default_run():
    chosen = {s.name for s in select_sources(SPECS, None)}
    assert "ggfez_notices" in SPECS and "ggfez_notices" not in chosen
    assert {"ansan_notices", "gtp_business", "kitech_business", "kosmes_notices"} <= chosen


def test_the_institution_seed_is_well_formed():
    rows = institutions()
    council = {"gtp", "hanyang_erica", "kitech", "ktl", "keri", "lg_innotek_ansan",
               "krc_rural_research", "korea_univ_ansan_hospital", "sbti"}  # fmt: skip
    assert council | {"ansan_city", "ggfez"} <= set(rows)
    for row in rows.values():
        assert row["sector"] in {"industry", "academia", "research", "public", "hospital"}
        assert row["within_zone"] in {"true", "false"}
        assert row["homepage"].startswith("https://")
        assert row["name_ko"] and row["name_en"]
