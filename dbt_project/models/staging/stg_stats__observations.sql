-- The latest typed version of each figure: the newest revision, then the newest fetch.
-- Incremental like the announcements: only figures with a version seen since the last run.
{{
    config(
        materialized='incremental',
        unique_key='observation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ quarantine_typing_failures(source('raw', 'observations'), observation_typing_rules(), incremental_cursor('raw_row.last_seen')) }}",
    )
}}

with

source as (

    select * from {{ source('raw', 'observations') }}

),

{% if is_incremental() %}
touched as (

    select distinct source, table_id, indicator_id, region_code, period
    from source
    where {{ incremental_cursor('last_seen') }}

),
{% endif %}

typed as (

    select source.*
    from source
    {% if is_incremental() %}
    semi join touched using (source, table_id, indicator_id, region_code, period)
    {% endif %}
    where not {{ typing_fails(observation_typing_rules()) }}

),

latest as (

    select
        *,
        min(first_seen) over (
            partition by source, table_id, indicator_id, region_code, period
        ) as first_seen_at
    from typed
    qualify row_number() over (
        partition by source, table_id, indicator_id, region_code, period
        order by as_of desc nulls last, last_seen desc
    ) = 1

),

renamed as (

    select
        ---------- ids
        source || ':' || indicator_id || ':' || region_code || ':' || period as observation_id,
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
        first_seen_at,
        last_seen as last_seen_at

    from latest

)

select * from renamed
