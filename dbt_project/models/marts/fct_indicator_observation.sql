-- One value per source, indicator, region and period (the latest revision). A view over the
-- incremental staging table: it only adds the observation id and the industrial complex, so
-- storing the same ten million rows a second time would double the build for nothing.
{{ config(materialized='view') }}

with

observations as (

    select
        *,
        {#- the indicator id's last dot-separated part: a complex slug, for complex figures -#}
        string_split(indicator_id, '.')[-1] as id_suffix
    from {{ ref('stg_stats__observations') }}

),

complexes as (

    select * from {{ ref('int_observations__complexes') }}

),

final as (

    select
        observations.source_id || ':' || observations.indicator_id || ':'
            || observations.region_code || ':' || observations.period as observation_id,
        observations.source_id,
        observations.table_id,
        observations.indicator_id,
        observations.region_code,
        complexes.complex_code,
        observations.period,
        observations.period_type,
        observations.period_start,
        observations.value,
        observations.unit,
        observations.revised_on,
        observations.first_seen_at,
        observations.last_seen_at,
        observations.loaded_at
    from observations
    left join complexes
        on observations.id_suffix = complexes.complex_code
        and contains(observations.indicator_id, '.')
        and observations.period_start >= coalesce(complexes.valid_from, date '0001-01-01')
        and observations.period_start <= coalesce(complexes.valid_to, date '9999-12-31')

)

select * from final
