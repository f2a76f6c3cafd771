-- One row per announcement (its latest version), classified, with its application period and
-- its status on the run date (KST). Incremental: new or changed posts, plus the posts that
-- were open or upcoming at the last run (their status moves with the date); everything when
-- the run date goes back (a backfill).
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

    select * from {{ ref('stg_boards__announcements') }}
    {% if is_incremental() %}
    where {{ incremental_cursor('last_seen_at') }}
        or announcement_id in (
            select announcement_id from {{ this }} where status in ('open', 'upcoming')
        )
        or {{ run_date() }} < (select max(status_as_of) from {{ this }})
    {% endif %}

),

classified as (

    select * from {{ ref('int_announcements__classified') }}

),

periods as (

    select * from {{ ref('int_announcements__application_periods') }}

),

dated as (

    select
        announcements.*,
        classified.category,
        classified.matched_rule,
        periods.apply_start as resolved_start,
        periods.apply_end as resolved_end,
        periods.period_source,
        cast(timezone('Asia/Seoul', periods.apply_start) as date) as start_date,
        cast(timezone('Asia/Seoul', periods.apply_end) as date) as deadline_date
    from announcements
    left join classified using (announcement_id)
    left join periods using (announcement_id)

),

final as (

    select
        announcement_id,
        source_id,
        post_id,
        institution_id,
        title,
        url,
        department,
        category_hint,
        coalesce(category, 'notice') as category,
        matched_rule,
        posted_date,
        resolved_start as apply_start,
        resolved_end as apply_end,
        period_source,
        deadline_date,
        case
            when status_hint = 'closed' then 'closed'
            when deadline_date < {{ run_date() }} then 'closed'
            when start_date > {{ run_date() }} then 'upcoming'
            when deadline_date is not null then 'open'
            else 'unknown'
        end as status,
        {{ run_date() }} as status_as_of,
        content_hash,
        first_seen_at,
        last_seen_at
    from dated

)

select * from final
