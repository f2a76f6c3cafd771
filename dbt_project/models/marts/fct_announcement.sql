-- One row per announcement (its latest version), classified, with its application period as
-- the parser's period reader gave it (sources/parsers/periods.py; no dates are read here), the
-- programme it belongs to and its status at the `as_of()` moment (KST). Incremental: new or
-- changed posts (read by the cursor, which the scans prune by), and the held posts whose status
-- moves with time (open, closing soon, upcoming, rolling) with their status computed again from
-- the held row; every post when the category rules changed or when `as_of` goes back (a
-- backfill).
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_removed_posts() }}",
    )
}}

{#- Whether this build computes every post again, asked before it runs so that the queries
    below stay plain filters on the new rows. -#}
{%- set everything = not is_incremental() -%}
{%- if is_incremental() and execute -%}
    {%- set asked = run_query(
        "select " ~ as_of() ~ " < (select max(status_as_of) from " ~ this ~ ")"
        ~ " or (select max(rules_version) from " ~ ref('int_announcements__classified') ~ ")"
        ~ " is distinct from (select max(category_rules_version) from " ~ this ~ ")"
    ) -%}
    {%- set everything = asked.columns[0].values()[0] is not false -%}
{%- endif %}

with

classified as (

    select * from {{ ref('int_announcements__classified') }}
    {% if not everything %}
    where {{ incremental_cursor('last_seen_at') }}
    {% endif %}

),

announcements as (

    select * from {{ ref('stg_boards__announcements') }}
    {% if not everything %}
    where {{ incremental_cursor('last_seen_at') }}
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
        {{ announcement_status('status_hint', 'status_as_of') }} as status,
        status_as_of,
        content_hash,
        first_seen_at,
        last_seen_at
    from dated

)

{% if not everything %}
, moving as (

    {#- held posts that did not change and whose status moves with time (found by their
        status alone, then read by rowid: a scan of every column would cost ten times more) -#}
    select *
    from {{ this }}
    anti join final using (announcement_id)
    where rowid in (
        select rowid from {{ this }}
        where status in ('open', 'closing_soon', 'upcoming', 'rolling')
    )

)
{% endif %}

select * from final
{% if not everything %}
union all by name
{# a held row has no status_hint: one that said closed made the post closed for good #}
select * replace (
    {{ announcement_status('null', as_of()) }} as status,
    {{ as_of() }} as status_as_of
)
from moving
{% endif %}
