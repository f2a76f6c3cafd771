-- One row per source and run, with its outcome.
with

source as (

    select * from {{ source('raw', 'source_runs') }}

),

renamed as (

    select
        ---------- ids
        run_id,
        source as source_id,

        ---------- strings
        status,
        message,

        ---------- numerics
        fetched as fetches,
        records,
        new_records,
        quarantined as quarantined_records,

        ---------- dates
        started_at,
        finished_at

    from source
    qualify row_number() over (partition by run_id, source order by finished_at desc) = 1

)

select * from renamed
