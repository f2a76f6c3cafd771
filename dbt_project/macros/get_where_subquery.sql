{% macro get_where_subquery(relation) -%}
    {#-
        dbt's `where` test config, plus two placeholders for the rows this `dbt build` wrote:
        `__written_by_this_build__` (their `loaded_at`) and `__status_as_of_this_build__` (their
        `status_as_of`, for fct_announcement: a build writes every row whose status it
        computes, and only with an earlier `as_of` than the held rows' does it rewrite them
        all). A full build writes every row, so its tests check them all; an incremental
        build checks the rows it wrote, not the millions before them, which earlier builds
        checked (delete+insert on the unique key keeps new rows from clashing with old ones).
        A plain `dbt test` checks every row.
    -#}
    {%- set where = config.get('where') -%}
    {%- set building = flags.WHICH == 'build' -%}
    {%- if where and '__written_by_this_build__' in where -%}
        {%- set this_build = 'loaded_at >= ' ~ build_started_at() if building else 'true' -%}
        {%- set where = where | replace('__written_by_this_build__', this_build) -%}
    {%- endif -%}
    {%- if where and '__status_as_of_this_build__' in where -%}
        {%- set this_build = 'status_as_of = ' ~ as_of() if building else 'true' -%}
        {%- set where = where | replace('__status_as_of_this_build__', this_build) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
