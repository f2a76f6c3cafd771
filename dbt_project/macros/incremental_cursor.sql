{% macro incremental_cursor(column) -%}
    {#- Rows newer than what this incremental model already holds (all rows on a full build). -#}
    {%- if is_incremental() -%}
        {{ column }} > (
            select coalesce(max(done.last_seen_at), '-infinity'::timestamptz) from {{ this }} as done
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
