{% test unique_combination_of_columns(model, combination) %}
{#- Combinations of the given columns that occur more than once. Rows are first grouped by a
    64-bit hash of the combination (one integer is much cheaper to group than several
    strings); only rows whose hash repeats are compared by value, so a hash collision never
    fails the test. -#}
{%- set columns = combination | join(', ') -%}
with repeated_hashes as (
    select hash({{ columns }}) as combination_hash
    from {{ model }}
    group by combination_hash
    having count(*) > 1
)
select {{ columns }}, count(*) as occurrences
from {{ model }}
where hash({{ columns }}) in (select combination_hash from repeated_hashes)
group by {{ columns }}
having count(*) > 1
{% endtest %}
