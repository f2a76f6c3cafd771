-- The latest typed version of each figure: the newest revision, then the newest fetch.
-- Incremental: a run reads the raw versions seen since the last run and weighs them against
-- the version this model already holds for the same figure, so its cost follows the new rows
-- and not the ten million kept. The figure's key is its source, indicator, region and period
-- (an indicator id starts with its table id); `fct_indicator_observation` names it
-- observation_id.
{{
    config(
        materialized='incremental',
        unique_key=['source_id', 'indicator_id', 'region_code', 'period'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{%- set figure = 'source_id, indicator_id, region_code, period' -%}
{%- set newest = 'revised_on desc nulls last, last_seen_at desc' -%}

with

source as (

    select * from {{ source('raw', 'observations') }}

),

new_versions as (

    {#- rows are typed and checked before they are loaded (expectations/contract.py) -#}
    select *
    from source
    where {{ incremental_cursor('last_seen') }}

),

renamed as (

    select
        ---------- ids
        source as source_id,
        table_id,
        indicator_id,
        region_code,
        fetch_id,

        ---------- strings
        indicator_name,
        region_name,

        ---------- periods
        period,
        period_type,
        cast(case period_type
            when 'year' then make_date(cast(period[1:4] as integer), 1, 1)
            when 'half' then make_date(cast(period[1:4] as integer), cast(period[7] as integer) * 6 - 5, 1)
            when 'quarter' then make_date(cast(period[1:4] as integer), cast(period[7] as integer) * 3 - 2, 1)
            when 'month' then make_date(cast(period[1:4] as integer), cast(period[6:7] as integer), 1)
            when 'day' then cast(period as date)
        end as date) as period_start,

        ---------- numerics
        value,
        unit,

        ---------- dates
        as_of as revised_on,
        first_seen as first_seen_at,
        last_seen as last_seen_at

    from new_versions

),

latest as (

    {{ newest_versions('renamed', figure, newest) }}

)

select *, {{ build_started_at() }} as loaded_at from latest
