{% macro run_date() -%}
    {#- The day (KST) the run is about: the `run_date` var, or today in Asia/Seoul. -#}
    {%- if var('run_date', none) -%}
        date '{{ var("run_date") }}'
    {%- else -%}
        cast(timezone('Asia/Seoul', current_timestamp) as date)
    {%- endif -%}
{%- endmacro %}

{% macro build_started_at() -%}
    {#- When this dbt invocation started (UTC): the `loaded_at` of every row it writes. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz)
{%- endmacro %}
