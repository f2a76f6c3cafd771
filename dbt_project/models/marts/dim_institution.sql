-- The institutions: the seed (council members, the city, the FEZ authority, the publishers of
-- every source), plus any institution named by an announcement that the seed lacks.
with

seeded as (

    select * from {{ ref('institutions') }}

),

named as (

    select distinct institution_id
    from {{ ref('stg_boards__announcements') }}
    where institution_id is not null

),

final as (

    select
        institution_id,
        seeded.name_ko,
        seeded.name_en,
        seeded.sector,
        seeded.homepage,
        coalesce(seeded.within_zone, false) as within_zone,
        seeded.institution_id is not null as is_seeded
    from seeded
    full outer join named using (institution_id)

)

select * from final
