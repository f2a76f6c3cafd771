{% macro run_date() -%}
    {#- The day (KST) the run is about: the `run_date` var, or today in Asia/Seoul. Rows are
        typed against it (a post dated after it is quarantined); `as_of` does not move it. -#}
    {%- if var('run_date', none) -%}
        date '{{ var("run_date") }}'
    {%- else -%}
        cast(timezone('Asia/Seoul', current_timestamp) as date)
    {%- endif -%}
{%- endmacro %}

{% macro as_of() -%}
    {#- The moment (timestamptz) statuses and days left are computed for: the `as_of` var (a
        YYYY-MM-DD day means 00:00 that day in Asia/Seoul; a timestamp keeps its offset), else
        the `run_date` var's day, else when this dbt invocation started. -#}
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

{% macro as_of_date() -%}
    {#- The day (KST) of `as_of()`: days left are counted from it. -#}
    cast(timezone('Asia/Seoul', {{ as_of() }}) as date)
{%- endmacro %}

{% macro build_started_at() -%}
    {#- When this dbt invocation started (UTC): the `loaded_at` of every row it writes. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz)
{%- endmacro %}
