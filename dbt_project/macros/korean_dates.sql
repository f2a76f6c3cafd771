{#-
    Dates as the boards write them: 2025.10.01, 2025-10-31(금) 18:00, 2025년 10월 31일,
    10.31.(금). A token may lack the year; the caller supplies one.
-#}

{% macro korean_date_pattern() -%}
(?:\d{4}\s*[.\-/년]\s*)?\d{1,2}\s*[.\-/월]\s*\d{1,2}\s*[.일]?\s*(?:\([월화수목금토일]\)\s*)?(?:\d{1,2}:\d{2})?
{%- endmacro %}

{% macro korean_date_parts(token) -%}
    regexp_extract(
        {{ token }},
        '^(?:(\d{4})\s*[.\-/년]\s*)?(\d{1,2})\s*[.\-/월]\s*(\d{1,2})\s*[.일]?\s*(?:\([월화수목금토일]\)\s*)?(?:(\d{1,2}):(\d{2}))?',
        ['y', 'm', 'd', 'hh', 'mi']
    )
{%- endmacro %}

{% macro korean_datetime(parts, default_year, end_of_day=false) -%}
    {#- KST timestamp of parsed parts; a date without a time is the start (or end) of the day. -#}
    timezone('Asia/Seoul', try_strptime(
        coalesce(nullif({{ parts }}.y, ''), cast({{ default_year }} as varchar))
            || '-' || {{ parts }}.m || '-' || {{ parts }}.d || ' '
            || coalesce(nullif({{ parts }}.hh, ''), '{{ "23" if end_of_day else "00" }}')
            || ':' || coalesce(nullif({{ parts }}.mi, ''), '{{ "59" if end_of_day else "00" }}'),
        '%Y-%m-%d %H:%M'
    ))
{%- endmacro %}
