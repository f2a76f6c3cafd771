"""Whatever bytes a site answers or a person writes, the parsers and the loaders end in a
ParseError, a declaration error or quarantine rows: never another exception through the flow.

Hypothesis feeds random bytes, random JSON, random markup and mutated real files as a board
page, each API's body, the curated CSV and a sources overlay.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expectations.rows import validate_records
from sources.parsers import Page, ParseError, get_parser
from sources.parsers.curated_csv import local_page
from sources.registry import SourceDeclarationError, UnknownSourceError, load_sources

SPECS = load_sources()
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
markup = st.lists(
    st.sampled_from(
        ["<table>", "</table>", "<tr>", "<td>", "</td>", "<a href='?id=1'>", "</a>", "<item>",
         "<title>", "</title>", "2025.10.01", "25. 9. 2.(수)", "공고", "&amp;", "<![CDATA[", "\x00"]
    ) | st.text(max_size=10),
    max_size=40,
).map("".join)  # fmt: skip


def _bodies(real: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, random JSON, random markup, and the real body with a slice replaced."""
    mutated = st.tuples(st.integers(0, len(real)), st.integers(0, 200), st.binary(max_size=50)).map(
        lambda c: real[: c[0]] + c[2] + real[c[0] + c[1] :]
    )
    return st.one_of(
        st.binary(max_size=2000),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        markup.map(lambda t: t.encode("utf-8", errors="replace")),
        mutated,
    )


def _sample(name: str) -> tuple[dict, bytes]:
    """The first bundled sample answer of a source (a SAMPLE), to mutate."""
    import yaml

    folder = Path(__file__).parents[1] / "sources" / "samples" / name
    entry = (yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8")) or [])[0]
    return entry, (folder / entry["file"]).read_bytes()


def _never_crash(spec, page: Page) -> None:
    try:
        parsed = get_parser(spec.parser)(page)
    except ParseError:
        return
    # A record the parser let through is stored or quarantined; validation never raises.
    validate_records(spec.record_type, parsed.records)


CONTENT_TYPES = ["text/html", "application/json", "text/xml; charset=euc-kr", ""]
PARSED_SOURCES = [
    "gtp_business", "ansan_notices", "kitech_business", "kstartup_announcements",
    "bizinfo_programmes", "kicox_complex_stats", "ecos_macro", "kosis_population",
    "kosmes_notices", "policy_briefing_motir",
]  # fmt: skip


@pytest.mark.parametrize("name", PARSED_SOURCES)
def test_any_answer_to_a_source_is_parsed_or_refused_with_a_parse_error(name):
    spec = SPECS[name]
    entry, real = _sample(name)
    request = spec.requests[0]

    @FUZZ
    @given(body=_bodies(real), content_type=st.sampled_from(CONTENT_TYPES))
    def check(body: bytes, content_type: str) -> None:
        page = Page(spec, request, entry["url"], 200, {"Content-Type": content_type}, body, "f1")
        _never_crash(spec, page)

    check()


def test_any_curated_csv_is_parsed_or_refused_with_a_parse_error():
    spec = SPECS["fez_survey"]
    real = local_page(spec)

    @FUZZ
    @given(body=_bodies(real.body))
    def check(body: bytes) -> None:
        page = Page(spec, real.request, real.url, 200, real.headers, body, real.fetch_id)
        _never_crash(spec, page)

    check()


overlay_texts = st.one_of(
    st.binary(max_size=500),
    st.dictionaries(
        st.sampled_from(["gtp_business", "fez_survey", "kosis_population"]) | st.text(max_size=8),
        json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "paging": st.fixed_dictionaries({}, optional={"max_pages": json_values}),
                "politeness": st.fixed_dictionaries({}, optional={"min_interval": json_values}),
                "requests": json_values,
                "options": json_values,
                "encoding": json_values,
                "parser": json_values,
            },
        ),
        max_size=3,
    ).map(lambda d: json.dumps(d).encode()),
)


def test_any_overlay_loads_or_is_refused_with_a_declaration_error(tmp_path):
    overlay = tmp_path / "overlay.yaml"

    @FUZZ
    @given(text=overlay_texts)
    def check(text: bytes) -> None:
        overlay.write_bytes(text)
        try:
            load_sources(overlay)
        except (SourceDeclarationError, UnknownSourceError) as exc:
            assert "\n" not in str(exc)

    check()
