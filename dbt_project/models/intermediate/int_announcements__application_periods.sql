-- The application period of each announcement: as the source gives it, else read from the
-- title and body — a 접수/신청/모집기간 segment (`2025.10.01 ~ 2025.10.31`), else a deadline
-- (`마감: 2025-10-31(금) 18:00`, `10.31.(금) 마감`, `~ 10.31까지`). A date without a year takes
-- the start's year, else the posted date's (the next year if that would fall before it);
-- a date without a time starts at 00:00 and ends at 23:59 KST.
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

announcements as (

    select
        announcement_id,
        posted_date,
        apply_start,
        apply_end,
        title || chr(10) || coalesce(body_text, '') as text,
        last_seen_at
    from {{ ref('stg_boards__announcements') }}
    where {{ incremental_cursor('last_seen_at') }}

),

segments as (

    select
        *,
        regexp_extract(
            text, '(?:접수|신청|모집)\s*기간\s*[:：]?\s*([^\n]{0,80})', 1
        ) as period_segment,
        coalesce(
            nullif(regexp_extract(text, '마감(?:일시|일|기한)?\s*[:：]\s*([^\n]{0,40})', 1), ''),
            regexp_extract(text, '({{ korean_date_pattern() }})\s*(?:까지|마감)', 1)
        ) as deadline_segment
    from announcements

),

tokens as (

    select
        *,
        regexp_extract_all(period_segment, '{{ korean_date_pattern() }}') as period_dates,
        regexp_extract_all(deadline_segment, '{{ korean_date_pattern() }}') as deadline_dates
    from segments

),

parts as (

    select
        *,
        case when len(period_dates) >= 2 then {{ korean_date_parts('period_dates[1]') }} end
            as start_parts,
        {{ korean_date_parts(
            "case when len(period_dates) >= 2 then period_dates[2]"
            ~ " when len(period_dates) = 1 then period_dates[1]"
            ~ " else deadline_dates[1] end"
        ) }} as end_parts
    from tokens

),

read_start as (

    select
        *,
        {{ korean_datetime('start_parts', 'year(coalesce(posted_date, ' ~ run_date() ~ '))') }}
            as text_start
    from parts

),

read_end as (

    select
        *,
        {{ korean_datetime(
            'end_parts',
            'coalesce(year(text_start), year(coalesce(posted_date, ' ~ run_date() ~ ')))',
            end_of_day=true
        ) }} as end_as_written
    from read_start

),

resolved as (

    select
        *,
        case
            when end_parts.y = ''
                and end_as_written < coalesce(text_start, cast(posted_date as timestamptz))
                then end_as_written + interval 1 year
            else end_as_written
        end as text_end
    from read_end

),

periods as (

    select
        announcement_id,
        coalesce(apply_start, case when apply_end is null then text_start end) as apply_start,
        coalesce(apply_end, case when apply_start is null then text_end end) as apply_end,
        case
            when apply_start is not null or apply_end is not null then 'source'
            when text_start is not null or text_end is not null then 'text'
        end as period_source,
        last_seen_at
    from resolved

)

select * from periods
