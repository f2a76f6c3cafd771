"""Every verified announcement source replays from its samples into valid records."""

import pytest

from expectations.rows import validate_records
from sources.registry import load_sources, select_sources

ANNOUNCEMENT_SOURCES = sorted(
    s.name for s in select_sources(load_sources(), None) if s.record_type == "announcement"
)


def test_the_nine_verified_announcement_sources_are_declared():
    assert ANNOUNCEMENT_SOURCES == [
        "ansan_notices", "ansan_press", "bizinfo_programmes", "gtp_business",
        "kicox_netzero_loans", "kitech_business", "kosmes_notices", "kstartup_announcements",
        "policy_briefing_motir",
    ]  # fmt: skip


@pytest.mark.parametrize("name", ANNOUNCEMENT_SOURCES)
def test_a_source_replays_without_errors_into_valid_rows(collected, name):
    result = collected(name)
    assert result.errors == [] and result.warnings == []
    assert result.records
    validated = validate_records("announcement", result.records)
    assert validated.quarantined == []
    assert len(validated.good) == len(result.records)
    assert all(any("\uac00" <= c <= "\ud7a3" for c in t) for t in validated.good["title"])
