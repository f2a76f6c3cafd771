{% macro latest_versions(relation, key, order_by) %}
    {#- The first row of each `key` in `relation` by `order_by`, first seen when its oldest
        version was. -#}
    select * replace (min(first_seen_at) over (partition by {{ key }}) as first_seen_at)
    from {{ relation }}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{% endmacro %}

{% macro newest_versions(relation, key, order_by) %}
    {#-
        Staging's deduplication of the typed raw versions in `relation` (a CTE).
        Incremental: the new versions weighed against the version this model already holds for
        the same key, so the raw history behind it is not read again. Full build: most keys
        have one version, and only the others are sorted.
    -#}
    {% if is_incremental() %}
    {{ latest_versions(
        '(select * from ' ~ relation ~ ' union all by name select held.* exclude (loaded_at) from '
            ~ this ~ ' as held semi join ' ~ relation ~ ' using (' ~ key ~ '))',
        key,
        order_by
    ) }}
    {% else %}
    with revised as (
        select {{ key }} from {{ relation }} group by all having count(*) > 1
    )
    select * from {{ relation }} anti join revised using ({{ key }})
    union all by name
    {{ latest_versions(
        '(select * from ' ~ relation ~ ' semi join revised using (' ~ key ~ '))', key, order_by
    ) }}
    {% endif %}
{% endmacro %}
