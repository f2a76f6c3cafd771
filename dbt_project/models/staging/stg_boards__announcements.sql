-- The latest version of each post, typed and renamed.
with

source as (

    select * from {{ source('raw', 'announcements') }}

),

latest as (

    select *
    from source
    qualify row_number() over (
        partition by source, post_id order by last_seen desc, first_seen desc
    ) = 1

),

renamed as (

    select
        ---------- ids
        source as source_id,
        post_id,
        source || ':' || post_id as announcement_id,
        institution as institution_id,
        content_hash,

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
        min(first_seen) over (partition by source, post_id) as first_seen_at,
        last_seen as last_seen_at

    from latest

)

select * from renamed
