"""Curated tables: a CSV and its provenance sidecar, loaded like any other source."""

from __future__ import annotations

import shutil

import pytest

from expectations.rows import validate_records
from sources.parsers import ParseError
from sources.parsers.curated_csv import local_page, parse, read_provenance
from sources.registry import load_sources
from tests.sample_bundle import find, spec


def test_fez_survey_national_totals_with_their_label():
    page = local_page(spec("fez_survey"))
    result = parse(page)
    (firms,) = find(result.records, indicator_id="fez_firms")
    (employees,) = find(result.records, indicator_id="fez_employees")
    assert (firms["value"], firms["unit"], firms["period"]) == (8590.0, "개", "2024")
    assert (employees["value"], employees["unit"]) == (254_775.0, "명")
    assert firms["as_of"] == "2026-01-18"
    assert firms["note"].startswith("reported by the press")
    assert result.warnings == ["2 of 2 figure(s) not read in the publisher's table"]
    validated = validate_records(
        "observation", [{**r, "fetch_id": page.fetch_id} for r in result.records]
    )
    assert validated.quarantined == []


def test_provenance_names_publisher_dates_and_licence():
    provenance = read_provenance(spec("fez_survey"))
    assert provenance.title.startswith("2024년 기준 경제자유구역 입주사업체 실태조사")
    assert str(provenance.date_published) == "2026-01-18"
    assert provenance.licence


def _copy_source(tmp_path):
    source = spec("fez_survey")
    folder = tmp_path / "curated"
    shutil.copytree(source.file.parent, folder)
    return load_sources(root=tmp_path)["fez_survey"], folder


def test_a_provenance_without_licence_is_refused(tmp_path):
    source, folder = _copy_source(tmp_path)
    path = folder / "fez_survey" / "provenance.yaml"
    path.write_text(
        "\n".join(line for line in path.read_text().splitlines() if not line.startswith("licence")
                  and not line.startswith("  Not stated") and not line.startswith("  facts")),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ParseError, match=r"provenance provenance\.yaml: licence"):
        parse(local_page(source))


def test_an_unknown_verification_label_is_refused(tmp_path):
    source, folder = _copy_source(tmp_path)
    path = folder / "fez_survey" / "firms_employees.csv"
    path.write_text(path.read_text().replace("press_report", "trust_me"), encoding="utf-8")
    with pytest.raises(ParseError, match="verification 'trust_me'"):
        parse(local_page(source))
