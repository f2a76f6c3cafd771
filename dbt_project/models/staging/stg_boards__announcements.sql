-- The latest typed version of each post. Incremental: a run reads the raw versions seen since
-- the last run and weighs them against the version this model already holds for the post.
-- A post removed after it was last seen (raw.announcement_removals) leaves the model: the
-- post-hook takes it out, and the snapshot records the removal as its version's end.
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

source as (

    select * from {{ source('raw', 'announcements') }}

),

new_versions as (

    {#- rows are typed and checked before they are loaded (expectations/contract.py) -#}
    select *
    from source
    where {{ incremental_cursor('last_seen') }}

),

renamed as (

    select
        ---------- ids
        source || ':' || post_id as announcement_id,
        source as source_id,
        post_id,
        institution as institution_id,
        content_hash,
        fetch_id,

        ---------- strings
        title,
        url,
        department,
        category_hint,
        status_hint,
        body_text,

        ---------- the period as sources/parsers/periods.py read it
        programme_title,
        period_evidence,
        period_origin,

        ---------- booleans
        coalesce(apply_rolling, false) as apply_rolling,
        coalesce(apply_extended, false) as apply_extended,

        ---------- dates
        posted_date,
        apply_start,
        apply_end,
        first_seen as first_seen_at,
        last_seen as last_seen_at

    from new_versions

),

latest as (

    {{ newest_versions('renamed', 'announcement_id', 'last_seen_at desc, first_seen_at desc') }}

)

select *, {{ build_started_at() }} as loaded_at
from latest
where not exists (
    select 1 from {{ source('raw', 'announcement_removals') }} as removal
    where removal.source = latest.source_id
        and removal.post_id = latest.post_id
        and removal.removed_at > latest.last_seen_at
)
