{#-
    Rules a raw row must pass to be typed by staging. Each rule has a name (written to
    raw.quarantine.rule), a SQL condition that is true when the row FAILS, and a SQL expression
    giving the reason. Staging drops failing rows; its pre-hook quarantines them.
-#}

{% macro announcement_typing_rules() %}
    {{ return([
        {
            "rule": "url_is_http",
            "fails": "url not like 'http://%' and url not like 'https://%'",
            "reason": "'url ' || url || ' is not an http(s) link'",
        },
        {
            "rule": "posted_date_not_after_run_date",
            "fails": "posted_date > " ~ run_date() ~ " + 1",
            "reason": "'posted_date ' || posted_date || ' is after the run date'",
        },
        {
            "rule": "apply_period_ordered",
            "fails": "apply_end < apply_start",
            "reason": "'the application period ends (' || apply_end || ') before it starts (' || apply_start || ')'",
        },
    ]) }}
{% endmacro %}

{#- period_matches_type keeps one constant pattern per branch: a pattern chosen per row
    would be compiled again for every row. -#}
{% macro observation_typing_rules() %}
    {{ return([
        {
            "rule": "region_code_format",
            "fails": "not regexp_full_match(region_code, '\\d{5}')",
            "reason": "'region_code ' || region_code || ' is not a five-digit administrative code'",
        },
        {
            "rule": "period_matches_type",
            "fails": "not coalesce(case period_type"
                ~ " when 'year' then regexp_full_match(period, '\\d{4}')"
                ~ " when 'half' then regexp_full_match(period, '\\d{4}-H[12]')"
                ~ " when 'quarter' then regexp_full_match(period, '\\d{4}-Q[1-4]')"
                ~ " when 'month' then regexp_full_match(period, '\\d{4}-(0[1-9]|1[0-2])')"
                ~ " when 'day' then regexp_full_match(period, '\\d{4}-\\d{2}-\\d{2}') end, false)"
                ~ " or (period_type = 'day' and try_strptime(period, '%Y-%m-%d') is null)",
            "reason": "'period ' || period || ' is not a valid ' || period_type",
        },
        {
            "rule": "unit_known",
            "fails": "unit is null or unit not in (select unit from " ~ ref('units') ~ ")",
            "reason": "coalesce('unit ' || unit || ' is not in the units seed', 'the unit is missing')",
        },
    ]) }}
{% endmacro %}

{% macro typing_fails(rules) -%}
    ({% for rule in rules %}coalesce({{ rule.fails }}, false){% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}
