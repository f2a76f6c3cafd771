-- Records held back by the record contract (pandera), one row per record and rule.
with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        ---------- ids
        md5(coalesce(source, '') || '|' || coalesce(rule, '') || '|' || cast(record as varchar))
            as quarantine_id,
        source as source_id,
        fetch_id,
        run_id,

        ---------- strings
        rule,
        reason,
        record,

        ---------- dates
        quarantined_at

    from source
    qualify row_number() over (
        partition by source, rule, cast(record as varchar) order by quarantined_at
    ) = 1

)

select * from renamed
