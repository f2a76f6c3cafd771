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
    posts staging wrote since its last run, so it cannot see a removal by itself. (The removed
    posts are looked up in staging, not staging in the removals: a tenth of the time.) -#}
{% macro end_removed_versions() %}
update {{ this }}
set valid_to = {{ snapshot_get_time() }}
where valid_to is null
    and announcement_id in (
        select source || ':' || post_id from {{ source('raw', 'announcement_removals') }}
        except
        select announcement_id
        from {{ ref('stg_boards__announcements') }}
        semi join (
            select source || ':' || post_id as announcement_id
            from {{ source('raw', 'announcement_removals') }}
        ) using (announcement_id)
    )
{% endmacro %}
