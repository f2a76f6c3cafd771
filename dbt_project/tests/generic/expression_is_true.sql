{% test expression_is_true(model, expression) %}
{#- Rows for which the boolean SQL expression is false. -#}
select *
from {{ model }}
where not coalesce({{ expression }}, true)
{% endtest %}
