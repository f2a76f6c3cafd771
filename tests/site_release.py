"""A small finished release directory for the site builders' tests: hand-written Parquet files.

The titles are realistic Korean announcement titles; one holds a ``<script>`` tag, one a
control character and an ampersand, one a ``javascript:`` link, as a scraped page may.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCRIPT_TITLE = "<script>window.__pwned = 1</script> 2025년 AI 바우처 지원사업 공고"
AMP_TITLE = "KITECH 연구장비 공동활용 지원 & 기술지도\x0b 모집"
ROLLING_TITLE = "2025년 산업단지 탄소중립 전환 융자 (자금 소진 시까지 상시 접수)"

TS = pa.timestamp("us", tz="UTC")


def _ts(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _write(path: Path, columns: dict[str, tuple[pa.DataType, list]]) -> None:
    arrays = {name: pa.array(values, type=kind) for name, (kind, values) in columns.items()}
    table = pa.table(arrays)
    pq.write_table(table, path)


def announcements(path: Path) -> None:
    ids = ["gtp_business:101", "gtp_business:102", "kitech_notice:7", "ansan_notice:55"]
    _write(
        path,
        {
            "announcement_id": (pa.string(), ids),
            "source_id": (pa.string(), [i.split(":")[0] for i in ids]),
            "post_id": (pa.string(), [i.split(":")[1] for i in ids]),
            "institution_id": (pa.string(), ["gtp", "gtp", "kitech", "ansan"]),
            "title": (
                pa.string(),
                [
                    SCRIPT_TITLE,
                    "2025년 경기도 스타트업 해외진출 지원사업 참여기업 모집",
                    AMP_TITLE,
                    "안산시 2025년 하반기 기간제 근로자 채용 공고",
                ],
            ),
            "url": (
                pa.string(),
                [
                    "https://www.gtp.or.kr/web/business/view.jsp?id=101&a=1",
                    "https://www.gtp.or.kr/web/business/view.jsp?id=102",
                    "javascript:alert(1)",
                    None,
                ],
            ),
            "department": (pa.string(), ["AI산업팀", None, "기술지원실", "총무과"]),
            "category_hint": (pa.string(), [None, None, None, None]),
            "category": (pa.string(), ["call", "call", "call", "recruitment"]),
            "matched_rule": (pa.string(), ["title:지원사업", "title:모집", "title:모집", None]),
            "posted_date": (
                pa.date32(),
                [date(2025, 9, 22), date(2025, 9, 25), date(2025, 9, 1), date(2025, 9, 30)],
            ),
            "apply_start": (TS, [_ts(2025, 9, 22, 0), None, _ts(2025, 9, 1, 0), None]),
            "apply_end": (
                TS,
                [_ts(2025, 10, 6, 14, 59), _ts(2025, 10, 20, 14, 59), _ts(2025, 10, 1, 8), None],
            ),
            "period_source": (pa.string(), ["source", "text", "source", None]),
            "deadline_date": (
                pa.date32(),
                [date(2025, 10, 6), date(2025, 10, 20), date(2025, 10, 1), None],
            ),
            "status": (pa.string(), ["open", "upcoming", "open", "unknown"]),
            "status_as_of": (pa.date32(), [date(2025, 10, 1)] * 4),
            "content_hash": (pa.string(), ["a1", "b2", "c3", "d4"]),
            "first_seen_at": (
                TS,
                [_ts(2025, 9, 22, 1), _ts(2025, 9, 25, 2), _ts(2025, 9, 1, 3), _ts(2025, 9, 30, 4)],
            ),
            "last_seen_at": (TS, [_ts(2025, 10, 1, 0)] * 4),
        },
    )


def open_calls(path: Path) -> None:
    _write(
        path,
        {
            "programme_id": (pa.string(), ["p-101", "p-7", "p-55"]),
            "announcement_id": (
                pa.string(),
                ["gtp_business:101", "kitech_notice:7", "kicox_netzero_loans:55"],
            ),
            "institution_id": (pa.string(), ["gtp", "kitech", "kicox"]),
            "institution_name_ko": (
                pa.string(),
                ["(재)경기테크노파크", "한국생산기술연구원", "한국산업단지공단"],
            ),
            "institution_name_en": (pa.string(), ["Gyeonggi Technopark", "KITECH", "KICOX"]),
            "title": (pa.string(), [SCRIPT_TITLE, AMP_TITLE, ROLLING_TITLE]),
            "url": (
                pa.string(),
                [
                    "https://www.gtp.or.kr/web/business/view.jsp?id=101&a=1",
                    "javascript:alert(1)",
                    "https://www.kicox.or.kr/loans/view?id=55",
                ],
            ),
            "department": (pa.string(), ["AI산업팀", "기술지원실", "탄소중립팀"]),
            "status": (pa.string(), ["open", "open", "rolling"]),
            "apply_start": (TS, [_ts(2025, 9, 22, 0), _ts(2025, 9, 1, 0), _ts(2025, 3, 1, 0)]),
            "apply_end": (TS, [_ts(2025, 10, 6, 14, 59), _ts(2025, 10, 1, 8), None]),
            "apply_rolling": (pa.bool_(), [False, False, True]),
            "deadline_date": (pa.date32(), [date(2025, 10, 6), date(2025, 10, 1), None]),
            "days_left": (pa.int32(), [5, 0, None]),
            "status_as_of": (pa.date32(), [date(2025, 10, 1)] * 3),
        },
    )


def institutions(path: Path) -> None:
    _write(
        path,
        {
            "institution_id": (pa.string(), ["ansan", "gtp", "kitech"]),
            "name_ko": (pa.string(), ["안산시", "(재)경기테크노파크", "한국생산기술연구원"]),
            "name_en": (pa.string(), ["Ansan City", "Gyeonggi Technopark", "KITECH"]),
            "sector": (pa.string(), ["public", "public", "research"]),
            "homepage": (pa.string(), ["https://www.ansan.go.kr", None, None]),
            "within_zone": (pa.bool_(), [True, True, True]),
            "is_seeded": (pa.bool_(), [True, True, True]),
        },
    )


def regions(path: Path) -> None:
    _write(
        path,
        {
            "region_code": (pa.string(), ["00000", "41000", "41270", "41271", "41273"]),
            "name_ko": (pa.string(), ["전국", "경기도", "안산시", "상록구", "단원구"]),
            "name_en": (
                pa.string(),
                ["Nation", "Gyeonggi-do", "Ansan-si", "Sangnok-gu", "Danwon-gu"],
            ),
            "level": (pa.string(), ["nation", "province", "city", "district", "district"]),
            "parent_code": (pa.string(), [None, "00000", "41000", "41270", "41270"]),
            "is_seeded": (pa.bool_(), [True] * 5),
        },
    )


def indicators(path: Path) -> None:
    _write(
        path,
        {
            "indicator_id": (
                pa.string(),
                ["DT_1B040A3.T20", "DT_1B040B3.T1", "KICOX.firms.banwol"],
            ),
            "name_ko": (pa.string(), ["총인구수", "세대수", "가동업체수 (반월국가산업단지)"]),
            "name_en": (pa.string(), ["Population", "Households", "Operating firms (Banwol)"]),
            "unit": (pa.string(), ["명", "세대", "개"]),
            "source_id": (pa.string(), ["kosis_population", "kosis_population", "kicox_complex"]),
            "cadence": (pa.string(), ["monthly", "monthly", "monthly"]),
            "is_seeded": (pa.bool_(), [True, True, True]),
        },
    )


MONTHS = ["2025-06", "2025-07", "2025-08", "2025-09"]


def zone_monthly(path: Path) -> None:
    rows = []
    series = {
        ("DT_1B040A3.T20", "41270", "명"): [642_108, 641_720, 641_355, 640_980],
        ("DT_1B040A3.T20", "41271", "명"): [336_004, 335_870, 335_661, 335_402],
        ("DT_1B040A3.T20", "41273", "명"): [306_104, 305_850, 305_694, 305_578],
        ("DT_1B040A3.T20", "41000", "명"): [13_690_001, 13_695_210, 13_700_322, 13_704_999],
        ("DT_1B040B3.T1", "41270", "세대"): [296_310, 296_588, 296_901, 297_244],
    }
    for (indicator, region, unit), values in sorted(series.items()):
        previous = None
        for month, value in zip(MONTHS, values, strict=True):
            rows.append((indicator, region, unit, month, value, previous))
            previous = value
    _write(
        path,
        {
            "observation_id": (
                pa.string(),
                [f"kosis_population:{i}:{r}:{m}" for i, r, _, m, _, _ in rows],
            ),
            "source_id": (pa.string(), ["kosis_population"] * len(rows)),
            "indicator_id": (pa.string(), [r[0] for r in rows]),
            "region_code": (pa.string(), [r[1] for r in rows]),
            "month": (pa.string(), [r[3] for r in rows]),
            "month_start": (pa.date32(), [date.fromisoformat(r[3] + "-01") for r in rows]),
            "value": (pa.float64(), [float(r[4]) for r in rows]),
            "unit": (pa.string(), [r[2] for r in rows]),
            "value_previous_month": (pa.float64(), [r[5] for r in rows]),
            "mom_change": (
                pa.float64(),
                [None if r[5] is None else float(r[4] - r[5]) for r in rows],
            ),
            "mom_change_pct": (pa.float64(), [None] * len(rows)),
            "value_previous_year": (pa.float64(), [None] * len(rows)),
            "yoy_change": (pa.float64(), [None] * len(rows)),
            "yoy_change_pct": (pa.float64(), [None] * len(rows)),
            "last_seen_at": (TS, [_ts(2025, 10, 1, 0)] * len(rows)),
        },
    )


def industrial_complex_monthly(path: Path) -> None:
    values = [1_203, 1_198, 1_210, 1_215]
    _write(
        path,
        {
            "observation_id": (pa.string(), [f"kicox:firms.banwol:41273:{m}" for m in MONTHS]),
            "source_id": (pa.string(), ["kicox_complex"] * 4),
            "complex_code": (pa.string(), ["banwol"] * 4),
            "region_code": (pa.string(), ["41273"] * 4),
            "indicator_id": (pa.string(), ["KICOX.firms.banwol"] * 4),
            "measure_id": (pa.string(), ["KICOX.firms"] * 4),
            "month": (pa.string(), MONTHS),
            "month_start": (pa.date32(), [date.fromisoformat(m + "-01") for m in MONTHS]),
            "value": (pa.float64(), [float(v) for v in values]),
            "unit": (pa.string(), ["개"] * 4),
            "last_seen_at": (TS, [_ts(2025, 10, 1, 0)] * 4),
        },
    )


DATASETS = {
    "announcements": announcements,
    "open_calls": open_calls,
    "institutions": institutions,
    "regions": regions,
    "indicators": indicators,
    "zone_monthly": zone_monthly,
    "industrial_complex_monthly": industrial_complex_monthly,
}


def make_release(path: Path, **manifest: object) -> Path:
    """A release directory with every dataset above and a manifest (extra keys given)."""
    path.mkdir(parents=True, exist_ok=True)
    for name, write in DATASETS.items():
        write(path / f"{name}.parquet")
        (path / f"{name}.csv").write_text("written by the release\n", encoding="utf-8")
    base = {
        "release_id": "20251001T000000Z",
        "published_at": "2025-10-01T00:10:00+00:00",
        "tables": {name: pq.read_metadata(path / f"{name}.parquet").num_rows for name in DATASETS},
        "sha256": {},
    }
    (path / "manifest.json").write_text(
        json.dumps(base | manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return path
