{#- Post-hook of every incremental announcement model: a post the crawler found removed
    (raw.announcement_removals) after it was last seen leaves the model. Staging drops it, and
    the models built from staging hold it until this hook takes it out too. -#}
{% macro delete_removed_posts() %}
delete from {{ this }} as held
using {{ source('raw', 'announcement_removals') }} as removal
where held.announcement_id = removal.source || ':' || removal.post_id
    and removal.removed_at > held.last_seen_at
{% endmacro %}
