{% macro as_of() -%}
    {#- The moment (timestamptz) statuses are computed for: the `as_of` var (a YYYY-MM-DD day
        means 00:00 that day in Asia/Seoul; a timestamp keeps its offset), or `run_date`, its
        older name, or when this dbt invocation started. -#}
    {%- set value = var('as_of', none) or var('run_date', none) -%}
    {%- if value -%}
        {%- set text = value | string -%}
        {%- if text | length == 10 -%}
        cast('{{ text }} 00:00:00+09' as timestamptz)
        {%- else -%}
        cast('{{ text }}' as timestamptz)
        {%- endif -%}
    {%- else -%}
        {{ build_started_at() }}
    {%- endif -%}
{%- endmacro %}

{% macro run_date() -%}
    {#- The day (KST) the run is about: the day of `as_of()` in Asia/Seoul. -#}
    cast(timezone('Asia/Seoul', {{ as_of() }}) as date)
{%- endmacro %}

{% macro build_started_at() -%}
    {#- When this dbt invocation started (UTC): the `loaded_at` of every row it writes. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz)
{%- endmacro %}
