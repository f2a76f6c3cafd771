-- Calls for proposals and support programmes that can be applied to at the `as_of()` moment
-- (KST): open, closing soon (within three days), rolling (상시, until the budget runs out) or
-- opening later. One row per programme: a call posted by several sources or re-posted (재공고,
-- 연장) is listed once, as its latest post (the latest deadline, then the newest), with the links
-- of all its posts. Rebuilt each run: it is small.
with

calls as (

    select * from {{ ref('fct_announcement') }}
    where category = 'call' and status in ('open', 'closing_soon', 'rolling', 'upcoming')

),

programmes as (

    select
        programme_id,
        list(url order by source_id, announcement_id) as links,
        list(distinct source_id order by source_id) as link_sources,
        count(*) as posts
    from calls
    group by programme_id

),

latest as (

    select *
    from calls
    qualify row_number() over (
        partition by programme_id
        order by apply_end desc nulls last, posted_date desc nulls last, announcement_id desc
    ) = 1

),

institutions as (

    select institution_id, name_ko, name_en from {{ ref('dim_institution') }}

),

final as (

    select
        latest.programme_id,
        latest.announcement_id,
        latest.institution_id,
        institutions.name_ko as institution_name_ko,
        institutions.name_en as institution_name_en,
        latest.title,
        latest.url,
        latest.department,
        latest.status,
        latest.apply_start,
        latest.apply_end,
        latest.apply_rolling,
        latest.apply_extended,
        latest.deadline_date,
        cast(latest.deadline_date - {{ as_of_date() }} as integer) as days_left,
        programmes.links,
        programmes.link_sources,
        cast(programmes.posts as integer) as posts,
        latest.status_as_of
    from latest
    inner join programmes using (programme_id)
    left join institutions using (institution_id)

)

select * from final
