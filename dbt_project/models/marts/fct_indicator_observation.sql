select
    source_id || ':' || indicator_id || ':' || region_code || ':' || period as observation_id,
    source_id,
    indicator_id,
    region_code,
    period,
    period_type,
    value,
    unit,
    revised_on
from {{ ref('stg_stats__observations') }}
