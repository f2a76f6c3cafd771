"""Synthetic scale data for the warehouse benchmark, written straight into the raw tables.

Announcements: boards of the zone's institutions, sequential post ids, titles built from the
words the classifier looks for, posted dates over ten years, a third with a 접수기간 in the
body (its period filled in as the parser's period reader gives it) and a third with the period
from the source, one in fifty rolling (상시 접수); 5 % of posts have an edited second version,
marked extended.
Observations: monthly figures for 270 시군구-like codes (the seeded zone regions among them),
120 KOSIS-like indicators and the industrial complexes' figures, January 2000 onwards.
``add_day`` appends one more day: new posts, edits, and a new month of some tables;
``add_hour`` one hour of an announcements run after it: new posts, posts seen again, edits of
older posts and removals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

BOARDS = [
    ("gtp_business", "gtp"), ("kitech_notice", "kitech"), ("ktl_notice", "ktl"),
    ("keri_notice", "keri"), ("erica_notice", "hanyang_erica"), ("kumc_notice", "kumc_ansan"),
    ("krc_notice", "krc_rural_research"), ("sbti_notice", "sbti"), ("lginnotek_news", "lg_innotek"),
    ("ansan_notice", "ansan_city"), ("ggfez_notice", "ggfez"), ("bizinfo_calls", "bizinfo"),
]  # fmt: skip
TITLES = [
    "{y}년 입주기업 기술사업화 지원사업 참여기업 모집 공고",
    "{y}년 스마트공장 구축 지원사업 공고",
    "청사 시설관리 용역 입찰 공고",
    "{y}년 연구원 채용 공고",
    "수출 지원사업 설명회 개최 안내",
    "홈페이지 시스템 점검 안내",
    "R&D 기획 역량 강화 교육 참가자 모집",
    "혁신 바우처 추가 모집",
]
START = datetime(2016, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _boards_sql() -> str:
    rows = ", ".join(f"({i}, '{s}', '{inst}')" for i, (s, inst) in enumerate(BOARDS))
    return f"(values {rows}) as boards(board, source, institution)"


def _titles_sql() -> str:
    rows = ", ".join(f"({i}, '{t}')" for i, t in enumerate(TITLES))
    return f"(values {rows}) as titles(t, template)"


def announcements_sql(
    first: int,
    count: int,
    day0: datetime,
    days: int,
    run_id: str,
    seen: timedelta = timedelta(hours=6),
    edits: bool = True,
) -> str:
    """Posts first..first+count spread over `days` days from day0, seen `seen` after the start
    of their day; with `edits`, 5 % get a second version a day later."""
    return f"""
    insert into raw.announcements by name
    with posts as (
        select
            i,
            boards.source, boards.institution,
            cast(i as varchar) as post_id,
            replace(titles.template, '{{y}}', cast(year(d) as varchar)) as title,
            d
        from (
            select i, cast(timestamptz '{day0.isoformat()}'
                + to_days(cast(floor((i - {first}) * {days} / {count}) as integer)) as date) as d
            from range({first}, {first + count}) as r(i)
        ) as numbered
        join {_boards_sql()} on boards.board = i % {len(BOARDS)}
        join {_titles_sql()} on titles.t = hash(i) % {len(TITLES)}
    ),
    versions as (
        select *, 1 as version from posts
        union all
        select *, 2 as version from posts where {"true" if edits else "false"} and i % 20 = 0
    )
    select
        source, post_id,
        md5(post_id || version) as content_hash,
        institution,
        'https://' || source || '.example/view?id=' || post_id as url,
        title || case version when 2 then ' (연장)' else '' end as title,
        d as posted_date,
        '기업지원팀' as department,
        null as category_hint,
        case when i % 3 = 1 then timezone('Asia/Seoul', d + interval 3 day)
            when i % 3 = 2 then timezone('Asia/Seoul', d + interval 2 day) end as apply_start,
        case when i % 3 = 1 then timezone('Asia/Seoul', d + interval 30 day + interval 18 hour)
            when i % 3 = 2 then timezone('Asia/Seoul', d + interval 21 day) end as apply_end,
        i % 50 = 7 as apply_rolling,
        version = 2 as apply_extended,
        case when i % 3 = 2
            then '접수기간: ' || strftime(d + interval 2 day, '%Y.%m.%d') || ' ~ '
                || strftime(d + interval 20 day, '%Y.%m.%d')
            when i % 50 = 7 then '상시 접수' end as period_evidence,
        case when i % 3 = 1 then 'field' when i % 3 = 2 then 'body' end as period_origin,
        title as programme_title,
        null as status_hint,
        case when i % 3 = 2
            then '접수기간: ' || strftime(d + interval 2 day, '%Y.%m.%d') || ' ~ '
                || strftime(d + interval 20 day, '%Y.%m.%d') || chr(10) || '문의: 기업지원팀'
            else '자세한 내용은 첨부파일을 참고하시기 바랍니다.'
        end as body_text,
        cast(d as timestamptz) + interval {int(seen.total_seconds())} second
            + to_days(version - 1) as first_seen,
        cast(d as timestamptz) + interval {int(seen.total_seconds())} second
            + to_days(version - 1) as last_seen,
        'f-' || post_id as fetch_id,
        '{run_id}' as run_id
    from versions
    """


REGIONS = "(select '41270' as r union all select '41271' union all select '41273' union all select '41000' union all select '00000' union all select cast(10000 + i * 113 as varchar) from range(265) as t(i))"  # noqa: E501


def observations_sql(months: list[str], run_id: str, seen: datetime, indicators: int) -> str:
    """One figure per region × indicator × month, plus the complexes' figures for the months."""
    month_list = ", ".join(f"'{m}'" for m in months)
    return f"""
    insert into raw.observations by name
    with grid as (
        select
            'kosis_synthetic' as source,
            'DT_SYN' || lpad(cast(k // 4 as varchar), 3, '0') as table_id,
            'DT_SYN' || lpad(cast(k // 4 as varchar), 3, '0') || '.T' || cast(k % 4 as varchar)
                as indicator_id,
            regions.r as region_code, months.m as period
        from {REGIONS} as regions
        cross join range({indicators}) as t(k)
        cross join (select unnest([{month_list}]) as m) as months
        union all
        select
            'kicox_complexes', 'KICOX_MONTHLY',
            'kicox.' || measure || '.' || complex,
            case complex when 'banwol' then '41270' else '41000' end,
            months.m
        from (values ('firms'), ('output'), ('exports'), ('employment')) as measures(measure)
        cross join (values ('banwol'), ('sihwa')) as complexes(complex)
        cross join (select unnest([{month_list}]) as m) as months
    )
    select
        source, table_id, indicator_id, region_code, period,
        md5(indicator_id || region_code || period) as version_hash,
        'month' as period_type,
        '합성 지표' as indicator_name,
        '지역' as region_name,
        round(1000 + (hash(indicator_id || region_code || period) % 100000) / 10.0, 1) as value,
        '명' as unit,
        cast(period || '-01' as date) + interval 40 day as as_of,
        timestamptz '{seen.isoformat()}' as first_seen,
        timestamptz '{seen.isoformat()}' as last_seen,
        'f-obs' as fetch_id,
        '{run_id}' as run_id
    from grid
    """


def months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def generate(con: duckdb.DuckDBPyConnection, announcements: int, observations: int) -> datetime:
    """Fill raw with the history; return the last load time (the next day starts after it)."""
    days = 3650
    con.execute(announcements_sql(0, int(announcements / 1.05), START, days, "history"))
    per_month = 270 * 120 + 8
    months = months_between("2000-01", "2099-12")[: max(1, observations // per_month)]
    last = START + days * DAY
    for index in range(0, len(months), 24):
        chunk = months[index : index + 24]
        seen = START + timedelta(days=index * 30 * days / (30 * len(months)))
        con.execute(observations_sql(chunk, "history", seen, 120))
    return last


def add_day(con: duckdb.DuckDBPyConnection, last: datetime, next_month: str) -> None:
    """One more day: 3,000 new posts (5 % with an edit), a new month for 5 of 120 indicators."""
    day = last + DAY
    first = con.execute(
        "select max(cast(post_id as bigint)) + 1 from raw.announcements"
    ).fetchone()[0]
    con.execute(announcements_sql(first, 3000, day, 1, "day"))
    con.execute(observations_sql([next_month], "day", day + timedelta(hours=7), 5))
    # the day's sources in raw.source_runs, as a pipeline run records them: the quality gate
    # judges the datasets of the run it finds there
    con.execute(
        "insert or replace into raw.source_runs (run_id, source, started_at, finished_at, status) "
        "select distinct 'day', source, now(), now(), 'ok' from ("
        "select source from raw.announcements where run_id = 'day' union "
        "select source from raw.observations where run_id = 'day')"
    )


def add_hour(con: duckdb.DuckDBPyConnection, last: datetime, hour: int) -> None:
    """Hour ``hour`` (1, 2 …) of the day after ``add_day``'s, as an hourly announcements run
    loads it: 125 new posts; the boards' first pages seen again (the 240 newest posts); 6 older
    posts edited (a new version) and 3 removed (tombstones in raw.announcement_removals)."""
    run_id = f"hour-{hour}"
    day = last + 2 * DAY
    moment = day + timedelta(hours=6 + hour)
    first = con.execute(
        "select max(cast(post_id as bigint)) + 1 from raw.announcements"
    ).fetchone()[0]
    con.execute(
        "update raw.announcements set last_seen = ?, run_id = ? where cast(post_id as bigint) >= ? "
        "and first_seen = (select max(first_seen) from raw.announcements as newer "
        "where newer.source = announcements.source and newer.post_id = announcements.post_id)",
        [moment, run_id, first - 240],
    )
    con.execute(
        announcements_sql(first, 125, day, 1, run_id, seen=timedelta(hours=6 + hour), edits=False)
    )
    low = first - 5000 - 10 * hour
    older = f"cast(post_id as bigint) between {low} and {low + 9}"
    con.execute(
        "insert into raw.announcements by name select * replace ("
        f"md5(post_id || '{run_id}') as content_hash, title || ' (정정)' as title, "
        "? as first_seen, ? as last_seen, ? as run_id) "
        f"from raw.announcements where {older} and cast(post_id as bigint) % 10 < 6 "
        "qualify row_number() over (partition by source, post_id order by first_seen desc) = 1",
        [moment, moment, run_id],
    )
    con.execute(
        "insert into raw.announcement_removals by name "
        "select distinct source, post_id, ? as removed_at, 'HTTP 404' as reason, "
        "'f-removal' as fetch_id, ? as run_id "
        f"from raw.announcements where {older} and cast(post_id as bigint) % 10 >= 7",
        [moment, run_id],
    )
    con.execute(
        "insert or replace into raw.source_runs (run_id, source, started_at, finished_at, status) "
        "select distinct ?, source, now(), now(), 'ok' from raw.announcements where run_id = ?",
        [run_id, run_id],
    )
