{% test matches_pattern(model, column_name, pattern) %}
{#- Rows whose value is not null and does not match the whole regular expression. -#}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not regexp_full_match({{ column_name }}, '{{ pattern }}')
{% endtest %}
