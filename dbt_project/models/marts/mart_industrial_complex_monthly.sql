-- Monthly figures of the national industrial complexes around the zone (반월, 시화: operating
-- firms, output, exports, employment, utilisation), with month-on-month and year-on-year change.
{{
    config(
        materialized='incremental',
        unique_key='observation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

changes as (

    {{ monthly_changes('complex_code is not null') }}

),

final as (

    select
        changes.observation_id,
        changes.source_id,
        changes.complex_code,
        changes.region_code,
        changes.indicator_id,
        regexp_replace(changes.indicator_id, '\.' || changes.complex_code || '$', '')
            as measure_id,
        changes.period as month,
        changes.period_start as month_start,
        changes.value,
        changes.unit,
        changes.value_previous_month,
        changes.mom_change,
        changes.mom_change_pct,
        changes.value_previous_year,
        changes.yoy_change,
        changes.yoy_change_pct,
        changes.last_seen_at
    from changes

)

select * from final
