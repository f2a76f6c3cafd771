{% macro run_date() -%}
    {#- The day (KST) the run is about: the `run_date` var, or today in Asia/Seoul. -#}
    {%- if var('run_date', none) -%}
        date '{{ var("run_date") }}'
    {%- else -%}
        cast(timezone('Asia/Seoul', current_timestamp) as date)
    {%- endif -%}
{%- endmacro %}
