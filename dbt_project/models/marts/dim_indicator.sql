-- Indicators: the seed (names, unit, source, cadence), plus any indicator a source reports
-- that the seed lacks, with the source's own name and unit.
with

seeded as (

    select * from {{ ref('indicators') }}

),

observed as (

    select
        indicator_id,
        arg_max(indicator_name, last_seen_at) as indicator_name,
        arg_max(unit, last_seen_at) as unit,
        arg_max(source_id, last_seen_at) as source_id,
        arg_max(period_type, last_seen_at) as period_type
    from {{ ref('int_observations__catalogue') }}
    group by indicator_id

),

final as (

    select
        indicator_id,
        coalesce(seeded.name_ko, observed.indicator_name) as name_ko,
        seeded.name_en,
        coalesce(seeded.unit, observed.unit) as unit,
        coalesce(seeded.source, observed.source_id) as source_id,
        coalesce(
            seeded.cadence,
            case observed.period_type
                when 'year' then 'annual'
                when 'half' then 'half-yearly'
                when 'quarter' then 'quarterly'
                when 'month' then 'monthly'
                when 'day' then 'daily'
            end
        ) as cadence,
        seeded.indicator_id is not null as is_seeded
    from seeded
    full outer join observed using (indicator_id)

)

select * from final
