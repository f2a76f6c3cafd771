-- Monthly indicators of the zone's regions: those in the `regions` seed (Ansan-si and its
-- districts, with Gyeonggi-do and the nation for comparison), with month-on-month and
-- year-on-year change. Figures of other regions stay in fct_indicator_observation; a region
-- added to the seed gets its history on the next full refresh of this model. Industrial-
-- complex figures have their own mart.
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

    {{ monthly_changes(
        "complex_code is null and region_code in (select region_code from " ~ ref('regions') ~ ")"
    ) }}

),

final as (

    select
        changes.observation_id,
        changes.source_id,
        changes.indicator_id,
        changes.region_code,
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
