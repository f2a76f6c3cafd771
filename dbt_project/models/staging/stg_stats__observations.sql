-- The latest version of each figure: the newest revision, then the newest fetch.
with

source as (

    select * from {{ source('raw', 'observations') }}

),

latest as (

    select *
    from source
    qualify row_number() over (
        partition by source, table_id, indicator_id, region_code, period
        order by as_of desc nulls last, last_seen desc
    ) = 1

),

renamed as (

    select
        ---------- ids
        source as source_id,
        table_id,
        indicator_id,
        region_code,

        ---------- periods
        period,
        period_type,

        ---------- numerics
        value,
        unit,

        ---------- dates
        as_of as revised_on,
        last_seen as last_seen_at

    from latest

)

select * from renamed
