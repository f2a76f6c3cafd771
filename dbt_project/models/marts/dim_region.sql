-- Administrative regions: the seed (nation, Gyeonggi-do, Ansan-si and its two districts),
-- plus any region code a source reports that the seed lacks, named as the source names it.
with

seeded as (

    select * from {{ ref('regions') }}

),

observed as (

    select region_code, arg_max(region_name, last_seen_at) as region_name
    from {{ ref('int_observations__catalogue') }}
    group by region_code

),

final as (

    select
        region_code,
        coalesce(seeded.name_ko, observed.region_name) as name_ko,
        seeded.name_en,
        coalesce(seeded.level, 'unlisted') as level,
        seeded.parent_code,
        seeded.region_code is not null as is_seeded
    from seeded
    full outer join observed using (region_code)

)

select * from final
