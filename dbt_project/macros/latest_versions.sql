{% macro latest_versions(relation, key, order_by) %}
    {#- The first row of each `key` in `relation` by `order_by`, first seen when its oldest
        version was. -#}
    select * replace (min(first_seen_at) over (partition by {{ key }}) as first_seen_at)
    from {{ relation }}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{% endmacro %}

{% macro held_versions(relation, key) %}
    {#- Incremental staging: the version this model holds for each key that has new rows in
        `relation`, to weigh against them (the raw history behind it is not read again). -#}
    select held.* exclude (loaded_at)
    from {{ this }} as held
    semi join {{ relation }} using ({{ key }})
{% endmacro %}
