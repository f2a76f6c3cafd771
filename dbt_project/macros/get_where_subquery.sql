{% macro get_where_subquery(relation) -%}
    {#-
        dbt's `where` test config, plus one placeholder: `__written_by_this_build__` is the
        rows this `dbt build` wrote (their `loaded_at`). A full build writes every row, so its
        tests check them all; the daily incremental build checks the day's rows, not the ten
        million before them, which earlier builds checked (delete+insert on the unique key
        keeps new rows from clashing with old ones). A plain `dbt test` checks every row.
    -#}
    {%- set where = config.get('where') -%}
    {%- if where and '__written_by_this_build__' in where -%}
        {%- set this_build = 'loaded_at >= ' ~ build_started_at() if flags.WHICH == 'build' else 'true' -%}
        {%- set where = where | replace('__written_by_this_build__', this_build) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
