{#- Post-hook of every incremental announcement model: a post the crawler found removed
    (raw.announcement_removals) after it was last seen leaves the model. Staging drops it, and
    the models built from staging hold it until this hook takes it out too. -#}
{% macro delete_removed_posts() %}
delete from {{ this }} as held
using {{ source('raw', 'announcement_removals') }} as removal
where held.announcement_id = removal.source || ':' || removal.post_id
    and removal.removed_at > held.last_seen_at
{% endmacro %}

{#- Post-hook of the announcement_versions snapshot: the current version of a post the crawler
    found removed, which staging no longer holds, ends now. The snapshot compares only the
    posts staging wrote since its last run, so it cannot see a removal by itself. -#}
{% macro end_removed_versions() %}
update {{ this }} as version
set valid_to = {{ snapshot_get_time() }}
from {{ source('raw', 'announcement_removals') }} as removal
where version.valid_to is null
    and version.announcement_id = removal.source || ':' || removal.post_id
    and not exists (
        select 1 from {{ ref('stg_boards__announcements') }} as held
        where held.announcement_id = version.announcement_id
    )
{% endmacro %}
