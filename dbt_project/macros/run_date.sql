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

{% macro announcement_status(status_hint, as_of) -%}
    {#- A post's status at `as_of` from its period (KST instants), rolling flag and the site's
        own status hint. -#}
    case
        when {{ status_hint }} = 'closed' then 'closed'
        when apply_end < {{ as_of }} then 'closed'
        when apply_start > {{ as_of }} then 'upcoming'
        when apply_end < {{ as_of }} + interval 3 day then 'closing_soon'
        when apply_end is not null then 'open'
        when apply_rolling then 'rolling'
        else 'unknown'
    end
{%- endmacro %}
