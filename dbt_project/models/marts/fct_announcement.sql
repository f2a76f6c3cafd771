-- One row per announcement (its latest version), classified, with its application period as
-- the parser's period reader gave it (sources/parsers/periods.py; no dates are read here), the
-- programme it belongs to and its status at the `as_of()` moment (KST). Incremental: new or
-- changed posts, the posts whose status moves with time (open, closing soon, upcoming, rolling),
-- every post when the category rules changed or when `as_of` goes back (a backfill).
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_removed_posts() }}",
    )
}}

with

classified as (

    select * from {{ ref('int_announcements__classified') }}

),

announcements as (

    select * from {{ ref('stg_boards__announcements') }}
    {% if is_incremental() %}
    where {{ incremental_cursor('last_seen_at') }}
        or announcement_id in (
            select announcement_id from {{ this }}
            where status in ('open', 'closing_soon', 'upcoming', 'rolling')
        )
        or {{ as_of() }} < (select max(status_as_of) from {{ this }})
        or (select max(rules_version) from classified)
            is distinct from (select max(category_rules_version) from {{ this }})
    {% endif %}

),

dated as (

    select
        announcements.*,
        coalesce(classified.category, 'notice') as category,
        classified.matched_rule,
        classified.rules_version as category_rules_version,
        cast(timezone('Asia/Seoul', announcements.apply_end) as date) as deadline_date,
        {{ as_of() }} as status_as_of
    from announcements
    left join classified using (announcement_id)

),

final as (

    select
        announcement_id,
        source_id,
        post_id,
        institution_id,
        {#- posts of one programme: the same normalised title in the same year (KST) -#}
        case
            when programme_title is null then announcement_id
            else 'programme:' || substr(md5(programme_title || ':' || year(coalesce(
                timezone('Asia/Seoul', apply_start),
                timezone('Asia/Seoul', apply_end),
                posted_date,
                timezone('Asia/Seoul', first_seen_at)
            ))), 1, 16)
        end as programme_id,
        title,
        url,
        department,
        category_hint,
        category,
        matched_rule,
        category_rules_version,
        posted_date,
        apply_start,
        apply_end,
        apply_rolling,
        apply_extended,
        period_origin,
        period_evidence,
        deadline_date,
        case
            when status_hint = 'closed' then 'closed'
            when apply_end < status_as_of then 'closed'
            when apply_start > status_as_of then 'upcoming'
            when apply_end < status_as_of + interval 3 day then 'closing_soon'
            when apply_end is not null then 'open'
            when apply_rolling then 'rolling'
            else 'unknown'
        end as status,
        status_as_of,
        content_hash,
        first_seen_at,
        last_seen_at
    from dated

)

select * from final
