-- One value per source, indicator, region and period (the latest revision); incremental on
-- the figures seen since the last run.
{{
    config(
        materialized='incremental',
        unique_key='observation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

observations as (

    select * from {{ ref('stg_stats__observations') }}
    where {{ incremental_cursor('last_seen_at') }}

),

complexes as (

    select * from {{ ref('int_observations__complexes') }}

),

final as (

    select
        observations.observation_id,
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
        observations.last_seen_at
    from observations
    left join complexes
        on observations.indicator_id like '%.' || complexes.complex_code
        and observations.period_start >= coalesce(complexes.valid_from, date '0001-01-01')
        and observations.period_start <= coalesce(complexes.valid_to, date '9999-12-31')

)

select * from final
