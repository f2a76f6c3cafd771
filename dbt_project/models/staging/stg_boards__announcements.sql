-- The latest typed version of each post. Incremental: a run reads only the posts with a
-- version seen since the last run, and all their versions (for first_seen_at).
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ quarantine_typing_failures(source('raw', 'announcements'), announcement_typing_rules(), incremental_cursor('raw_row.last_seen')) }}",
    )
}}

with

source as (

    select * from {{ source('raw', 'announcements') }}

),

{% if is_incremental() %}
touched as (

    select distinct source, post_id
    from source
    where {{ incremental_cursor('last_seen') }}

),
{% endif %}

typed as (

    select source.*
    from source
    {% if is_incremental() %}
    semi join touched using (source, post_id)
    {% endif %}
    where not {{ typing_fails(announcement_typing_rules()) }}

),

latest as (

    select
        *,
        min(first_seen) over (partition by source, post_id) as first_seen_at
    from typed
    qualify row_number() over (
        partition by source, post_id order by last_seen desc, first_seen desc
    ) = 1

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

        ---------- dates
        posted_date,
        apply_start,
        apply_end,
        first_seen_at,
        last_seen as last_seen_at

    from latest

)

select * from renamed
