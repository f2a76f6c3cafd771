-- One row per HTTP exchange (fetch ids are unique in raw; kept unique here).
with

source as (

    select * from {{ source('raw', 'fetch_log') }}

),

renamed as (

    select
        ---------- ids
        fetch_id,
        run_id,
        source as source_id,

        ---------- strings
        method,
        url,
        error,
        warc_file,

        ---------- numerics
        status as http_status,
        bytes as body_bytes,
        duration_ms,
        warc_offset,
        sha256,

        ---------- dates
        fetched_at

    from source
    qualify row_number() over (partition by fetch_id order by fetched_at desc) = 1

)

select * from renamed
