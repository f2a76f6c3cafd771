-- Industrial-complex figures, by the project's convention: an observation belongs to a complex
-- when its indicator id ends in `.<slug>` and the slug is a `kicox_complex` code in the
-- region_codes seed (its region_code is then the 시군구 the complex lies in).
select
    source_code as complex_code,
    region_code as complex_region_code,
    valid_from,
    valid_to
from {{ ref('region_codes') }}
where scheme = 'kicox_complex'
