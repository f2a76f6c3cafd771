-- Every indicator × region × period type seen in the figures, with the names the source gives:
-- the dimensions add what the seeds do not describe (yet). Grows with new combinations only.
{{
    config(
        materialized='incremental',
        unique_key=['source_id', 'indicator_id', 'region_code', 'period_type'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

observations as (

    select * from {{ ref('stg_stats__observations') }}
    where {{ incremental_cursor('last_seen_at') }}

),

catalogue as (

    select
        source_id,
        indicator_id,
        region_code,
        period_type,
        arg_max(indicator_name, last_seen_at) as indicator_name,
        arg_max(region_name, last_seen_at) as region_name,
        arg_max(unit, last_seen_at) as unit,
        max(last_seen_at) as last_seen_at
    from observations
    group by all

)

{% if is_incremental() %}
select
    catalogue.source_id,
    catalogue.indicator_id,
    catalogue.region_code,
    catalogue.period_type,
    coalesce(catalogue.indicator_name, known.indicator_name) as indicator_name,
    coalesce(catalogue.region_name, known.region_name) as region_name,
    coalesce(catalogue.unit, known.unit) as unit,
    catalogue.last_seen_at
from catalogue
left join {{ this }} as known using (source_id, indicator_id, region_code, period_type)
{% else %}
select * from catalogue
{% endif %}
