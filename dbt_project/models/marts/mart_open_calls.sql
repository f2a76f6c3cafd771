-- Calls for proposals and support programmes still open on the run date (KST), or opening
-- later, with the days left to apply. Rebuilt each run: it is small.
with

calls as (

    select * from {{ ref('fct_announcement') }}
    where category = 'call' and status in ('open', 'upcoming')

),

institutions as (

    select institution_id, name_ko, name_en from {{ ref('dim_institution') }}

),

final as (

    select
        calls.announcement_id,
        calls.institution_id,
        institutions.name_ko as institution_name_ko,
        institutions.name_en as institution_name_en,
        calls.title,
        calls.url,
        calls.department,
        calls.status,
        calls.apply_start,
        calls.apply_end,
        calls.deadline_date,
        cast(calls.deadline_date - {{ run_date() }} as integer) as days_left,
        calls.status_as_of
    from calls
    left join institutions using (institution_id)

)

select * from final
